import { useRef, useState } from 'react';
import { Alert, Button, ButtonRow, Flex, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, Text, TextArea } from '@hubspot/ui-extensions';
import { callLeadscore, type Fetcher, type SettingsBody, type SettingsVersion, type Simulation } from './leadscore-api';
import { IssueList, issuesOf, type Issue } from './issues';
import { draftOf, routingOfDraft, type RoutingDraft } from './routing-draft';
import { RoutingForm } from './RoutingForm';

type Result = { kind: 'none' } | { kind: 'simulated'; simulation: Simulation } | { kind: 'saved'; version: number };

/**
 * Owners, teams and rules as a form (or, for those who prefer, as the JSON src/routing/README.md
 * documents), checked and simulated by the server over the account's leads before they are saved.
 */
export function RoutingEditor({ fetcher, settings, version, onSaved }: { fetcher: Fetcher; settings: SettingsBody; version: number; onSaved: (v: SettingsVersion) => void }) {
  const [draft, setDraft] = useState<RoutingDraft>(() => draftOf(settings.routing));
  const [asJson, setAsJson] = useState(false);
  const [text, setText] = useState(() => JSON.stringify(settings.routing, null, 2));
  const [issues, setIssues] = useState<Issue[]>([]);
  const [result, setResult] = useState<Result>({ kind: 'none' });
  const [busy, setBusy] = useState(false);
  // Only the newest check may change what is shown.
  const latest = useRef(0);

  /** The routing as the form holds it or as typed, or null with the reason when the typed text is not JSON. */
  const parsed = (): { routing: unknown } | null => {
    if (!asJson) return { routing: routingOfDraft(draft) };
    try {
      return { routing: JSON.parse(text) as unknown };
    } catch (err) {
      setIssues([{ field: 'routing', message: `is not JSON: ${(err as Error).message}` }]);
      setResult({ kind: 'none' });
      return null;
    }
  };

  const send = (path: string, method: 'POST' | 'PUT', body: Record<string, unknown>, done: (answer: unknown) => void) => {
    const ticket = ++latest.current;
    setBusy(true);
    callLeadscore(fetcher, path, { method, body })
      .then((answer) => {
        if (ticket !== latest.current) return;
        setIssues([]);
        done(answer);
      })
      .catch((err: unknown) => {
        if (ticket !== latest.current) return;
        setIssues(issuesOf(err));
        setResult({ kind: 'none' });
      })
      .finally(() => {
        if (ticket === latest.current) setBusy(false);
      });
  };

  const check = () => {
    const body = parsed();
    if (body) send('/hubspot/ui/routing/validate', 'POST', body, (a) => setResult({ kind: 'simulated', simulation: (a as { simulation: Simulation }).simulation }));
  };
  const save = () => {
    const body = parsed();
    if (body)
      send('/hubspot/ui/routing', 'PUT', { ...body, expected_version: version }, (a) => {
        const saved = a as SettingsVersion;
        setResult({ kind: 'saved', version: saved.version });
        onSaved(saved);
      });
  };

  const update = (change: (d: RoutingDraft) => RoutingDraft) => {
    setDraft(change);
    setResult({ kind: 'none' });
  };
  /** Switch between the form and the JSON, carrying the rules across (JSON that does not parse stays in the box). */
  const toggleJson = () => {
    if (!asJson) {
      setText(JSON.stringify(routingOfDraft(draft), null, 2));
      setAsJson(true);
      return;
    }
    const body = parsed();
    if (!body) return;
    setDraft(draftOf(body.routing));
    setIssues([]);
    setAsJson(false);
  };

  return (
    <Flex direction="column" gap="sm">
      <Button variant="transparent" onClick={toggleJson} testId="toggle-json">
        {asJson ? 'Edit as a form' : 'Edit as JSON'}
      </Button>
      {!asJson && <RoutingForm draft={draft} update={update} issues={issues} />}
      {asJson && (
      <TextArea
        label="Routing rules (JSON)"
        name="routing"
        rows={16}
        value={text}
        onChange={(v) => {
          setText(v);
          setResult({ kind: 'none' });
        }}
        error={issues.length > 0}
      />
      )}
      <ButtonRow>
        <Button onClick={check} disabled={busy} testId="check-routing">
          Check and simulate
        </Button>
        <Button variant="primary" onClick={save} disabled={busy} testId="save-routing">
          Save routing
        </Button>
      </ButtonRow>
      <IssueList title="These routing rules cannot be used" issues={issues} testId="routing-issues" />
      {result.kind === 'saved' && <Alert title={`Routing saved as version ${result.version}`} variant="success" testId="routing-saved" />}
      {result.kind === 'simulated' && <SimulationTable simulation={result.simulation} />}
    </Flex>
  );
}

/** Where the account's leads would have gone under these rules. */
function SimulationTable({ simulation: s }: { simulation: Simulation }) {
  return (
    <Flex direction="column" gap="xs">
      <Text testId="simulation-summary">
        Of {s.leads} leads that arrived in the last {Math.round((Date.parse(s.to) - Date.parse(s.from)) / 86_400_000)} days{s.truncated ? ' (the oldest of them)' : ''}: {s.assigned} assigned by a rule, {s.fallback} to a fallback owner, {s.unassigned} to no one, {s.no_rule} matched no rule.
      </Text>
      <Table bordered testId="simulation-table">
        <TableHead>
          <TableRow>
            <TableHeader>Owner</TableHeader>
            <TableHeader>Leads</TableHeader>
            <TableHeader>{s.hot_tier} leads</TableHeader>
            <TableHeader>As fallback</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {s.per_owner.map((o) => (
            <TableRow key={o.owner}>
              <TableCell>{o.name}</TableCell>
              <TableCell>{o.leads}</TableCell>
              <TableCell>{o.hot_leads}</TableCell>
              <TableCell>{o.fallback_leads}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Flex>
  );
}
