import { useCallback, useEffect, useRef, useState } from 'react';
import {
  Alert,
  Button,
  ButtonRow,
  Flex,
  Input,
  LoadingSpinner,
  NumberInput,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
} from '@hubspot/ui-extensions';
import { callLeadscore, type Fetcher, type Preview, type SettingsBody, type SettingsVersion, type TierLevel } from './leadscore-api';
import { IssueList, issuesOf, messageFor, type Issue } from './issues';

type Tiers = SettingsBody['tiers'];
type PreviewState = { kind: 'none' } | { kind: 'loading' } | { kind: 'shown'; preview: Preview };
type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; version: number };

const field = (i: number, key: keyof TierLevel) => `settings.tiers.levels[${i}].${key}`;

/** Tier names, minimums and actions, previewed against the account's leads before they are saved. */
export function TiersEditor({ fetcher, settings, version, onSaved }: { fetcher: Fetcher; settings: SettingsBody; version: number; onSaved: (v: SettingsVersion) => void }) {
  const [tiers, setTiers] = useState<Tiers>(settings.tiers);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [preview, setPreview] = useState<PreviewState>({ kind: 'none' });
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  // Only the newest preview may change the table: an older one answering late is dropped.
  const latestPreview = useRef(0);
  const draft = (): SettingsBody => ({ ...settings, tiers });

  const runPreview = useCallback(
    (next: SettingsBody) => {
      const ticket = ++latestPreview.current;
      setPreview({ kind: 'loading' });
      callLeadscore<Preview>(fetcher, '/hubspot/ui/settings/preview', { method: 'POST', body: { settings: next } })
        .then((p) => {
          if (ticket !== latestPreview.current) return;
          setIssues([]);
          setPreview({ kind: 'shown', preview: p });
        })
        .catch((err: unknown) => {
          if (ticket !== latestPreview.current) return;
          setIssues(issuesOf(err));
          setPreview({ kind: 'none' });
        });
    },
    [fetcher],
  );
  useEffect(() => runPreview(settings), [runPreview, settings]);

  const change = (i: number, patch: Partial<TierLevel>) => {
    setSave({ kind: 'idle' });
    setTiers((t) => ({ ...t, levels: t.levels.map((level, j) => (j === i ? { ...level, ...patch } : level)) }));
  };
  const addTier = () =>
    setTiers((t) => {
      const last = t.levels.length - 1;
      const above = t.levels[last - 1]?.min ?? 100;
      const added = { name: `Tier ${t.levels.length + 1}`, min: Math.round(above / 2), action: 'Follow up' };
      return { ...t, levels: [...t.levels.slice(0, last), added, ...t.levels.slice(last)] };
    });
  const removeTier = (i: number) => setTiers((t) => ({ ...t, levels: t.levels.filter((_, j) => j !== i) }));

  const saveTiers = () => {
    setSave({ kind: 'saving' });
    callLeadscore<SettingsVersion>(fetcher, '/hubspot/ui/settings', { method: 'PUT', body: { settings: draft(), expected_version: version } })
      .then((v) => {
        setIssues([]);
        setSave({ kind: 'saved', version: v.version });
        onSaved(v);
      })
      .catch((err: unknown) => {
        setIssues(issuesOf(err));
        setSave({ kind: 'idle' });
      });
  };

  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="md">
        <Select
          label="Tiers are cut from"
          name="tiers-score"
          value={tiers.score}
          options={[
            { label: 'Composite score', value: 'composite' },
            { label: 'Fit score', value: 'fit' },
            { label: 'Engagement score', value: 'engagement' },
          ]}
          onChange={(v) => setTiers((t) => ({ ...t, score: v as Tiers['score'] }))}
        />
        <Select
          label="Minimums are"
          name="tiers-basis"
          value={tiers.basis}
          options={[
            { label: 'Scores (0-100)', value: 'score' },
            { label: 'Percentiles of the model’s scores', value: 'percentile' },
          ]}
          onChange={(v) => setTiers((t) => ({ ...t, basis: v as Tiers['basis'] }))}
          validationMessage={messageFor(issues, 'settings.tiers.basis')}
          error={Boolean(messageFor(issues, 'settings.tiers.basis'))}
        />
      </Flex>
      {tiers.levels.map((level, i) => (
        <Flex key={i} direction="row" gap="sm" align="end">
          <Input label={`Tier ${i + 1} name`} name={`tier-${i}-name`} value={level.name} onChange={(v) => change(i, { name: v })} error={Boolean(messageFor(issues, field(i, 'name')))} validationMessage={messageFor(issues, field(i, 'name'))} />
          <NumberInput label="Minimum" name={`tier-${i}-min`} min={0} max={100} value={level.min} onChange={(v) => change(i, { min: v })} error={Boolean(messageFor(issues, field(i, 'min')))} validationMessage={messageFor(issues, field(i, 'min'))} />
          <Input label="What reps do" name={`tier-${i}-action`} value={level.action} onChange={(v) => change(i, { action: v })} error={Boolean(messageFor(issues, field(i, 'action')))} validationMessage={messageFor(issues, field(i, 'action'))} />
          {tiers.levels.length > 2 && (
            <Button variant="transparent" onClick={() => removeTier(i)}>
              Remove
            </Button>
          )}
        </Flex>
      ))}
      <ButtonRow>
        {tiers.levels.length < 6 && <Button onClick={addTier}>Add a tier</Button>}
        <Button onClick={() => runPreview(draft())} testId="preview">
          Preview
        </Button>
        <Button variant="primary" onClick={saveTiers} disabled={save.kind === 'saving'} testId="save-tiers">
          Save tiers
        </Button>
      </ButtonRow>
      <IssueList title="These settings cannot be saved" issues={issues} testId="tier-issues" />
      {save.kind === 'saved' && <Alert title={`Saved as version ${save.version}`} variant="success" testId="tiers-saved" />}
      {preview.kind === 'loading' && <LoadingSpinner label="Previewing" size="sm" />}
      {preview.kind === 'shown' && <PreviewTable preview={preview.preview} />}
    </Flex>
  );
}

const percent = (rate: number | null) => (rate === null ? '–' : `${Math.round(rate * 1000) / 10}%`);

/** Open leads per tier now, and how leads of each tier converted historically. */
function PreviewTable({ preview }: { preview: Preview }) {
  return (
    <Flex direction="column" gap="xs">
      <Table bordered testId="preview-table">
        <TableHead>
          <TableRow>
            <TableHeader>Tier</TableHeader>
            <TableHeader>Minimum</TableHeader>
            <TableHeader>Open leads</TableHeader>
            <TableHeader>Past leads</TableHeader>
            <TableHeader>Converted</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {preview.tiers.map((t) => (
            <TableRow key={t.name}>
              <TableCell>{t.name}</TableCell>
              <TableCell>{t.min}</TableCell>
              <TableCell>{t.open_leads}</TableCell>
              <TableCell>{t.historical_leads}</TableCell>
              <TableCell>{percent(t.historical_conversion_rate)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Text variant="microcopy" testId="preview-note">
        {preview.open_leads.scored} open leads scored ({preview.open_leads.not_scored} not scored); conversion from the {preview.historical.leads} most recent outcomes, model {preview.model_version}.
      </Text>
    </Flex>
  );
}
