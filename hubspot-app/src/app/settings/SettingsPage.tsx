import { useCallback, useEffect, useState } from 'react';
import { Divider, ErrorState, Flex, Heading, hubspot, LoadingSpinner, Text } from '@hubspot/ui-extensions';
import { callLeadscore, type Fetcher, type SettingsBody, type SettingsVersion } from './leadscore-api';
import { RoutingEditor } from './RoutingEditor';
import { TiersEditor } from './TiersEditor';

hubspot.extend<'settings'>(() => <SettingsPage fetcher={hubspot.fetch as Fetcher} />);

type Load = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'loaded'; settings: SettingsBody };

/**
 * Leadscore's settings inside HubSpot: tiers and thresholds with a preview of how open leads
 * fall into them and how each tier converted, and the routing rules with a simulation. The
 * server checks everything (the same checks as the API and the web app) and records the
 * HubSpot user with each saved version.
 */
export function SettingsPage({ fetcher }: { fetcher: Fetcher }) {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  // The version in force, shared by both editors: each save is refused if someone saved since.
  const [version, setVersion] = useState(0);

  const read = useCallback(() => {
    setLoad({ kind: 'loading' });
    callLeadscore<SettingsVersion>(fetcher, '/hubspot/ui/settings')
      .then((v) => {
        setVersion(v.version);
        setLoad({ kind: 'loaded', settings: v.settings });
      })
      .catch((err: unknown) => setLoad({ kind: 'error', message: (err as Error).message }));
  }, [fetcher]);
  useEffect(read, [read]);

  const saved = (v: SettingsVersion) => {
    setVersion(v.version);
    setLoad({ kind: 'loaded', settings: v.settings });
  };

  if (load.kind === 'loading') return <LoadingSpinner label="Loading Leadscore settings" layout="centered" />;
  if (load.kind === 'error') {
    return (
      <ErrorState title="Leadscore settings could not be loaded">
        <Text>{load.message}</Text>
      </ErrorState>
    );
  }
  return (
    <Flex direction="column" gap="lg">
      <Text variant="microcopy" testId="version">
        Settings version {version}
      </Text>
      <Heading>Tiers and thresholds</Heading>
      <TiersEditor fetcher={fetcher} settings={load.settings} version={version} onSaved={saved} />
      <Divider />
      <Heading>Routing rules</Heading>
      <RoutingEditor fetcher={fetcher} settings={load.settings} version={version} onSaved={saved} />
    </Flex>
  );
}
