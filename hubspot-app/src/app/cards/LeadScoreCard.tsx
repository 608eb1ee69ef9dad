import { useCallback, useEffect, useRef, useState } from 'react';
import {
  Alert,
  Button,
  ButtonRow,
  Divider,
  EmptyState,
  ErrorState,
  Flex,
  Heading,
  hubspot,
  LineChart,
  List,
  LoadingSpinner,
  ScoreCircle,
  Select,
  Statistics,
  StatisticsItem,
  StatisticsTrend,
  Tag,
  Text,
  TextArea,
} from '@hubspot/ui-extensions';
import type { CrmContext } from '@hubspot/ui-extensions';
import { callLeadscore, LeadscoreApiError, type ContactScore, type FeedbackReason, type Fetcher, type ScoreBody } from './leadscore-api';
import { changeSincePrevious, formatWhen, probabilityInWords, tierVariant } from './words';

hubspot.extend<'crm.record.tab'>(({ context }) => <LeadScoreCard context={context} fetcher={hubspot.fetch as Fetcher} />);

type Load = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'loaded'; data: ContactScore };

/** The contact's Leadscore, read from the app on open and on "Refresh". */
export function LeadScoreCard({ context, fetcher }: { context: Pick<CrmContext, 'crm' | 'portal'>; fetcher: Fetcher }) {
  const contactId = String(context.crm.objectId);
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [refreshing, setRefreshing] = useState(false);
  // Only the newest request may change what the card shows: an older one answering late is dropped.
  const latest = useRef(0);

  const fetchScore = useCallback(() => {
    const ticket = ++latest.current;
    setRefreshing(true);
    callLeadscore<ContactScore>(fetcher, `/hubspot/ui/contacts/${encodeURIComponent(contactId)}/score`)
      .then((data) => {
        if (ticket === latest.current) setLoad({ kind: 'loaded', data });
      })
      .catch((err: unknown) => {
        if (ticket === latest.current) setLoad({ kind: 'error', message: (err as Error).message });
      })
      .finally(() => {
        if (ticket === latest.current) setRefreshing(false);
      });
  }, [fetcher, contactId]);

  useEffect(() => {
    setLoad({ kind: 'loading' });
    fetchScore();
  }, [fetchScore]);

  if (load.kind === 'loading') return <LoadingSpinner label="Loading the Leadscore score" layout="centered" />;
  if (load.kind === 'error') {
    return (
      <ErrorState title="Leadscore could not load this contact's score">
        <Text>{load.message}</Text>
        <Button onClick={fetchScore} disabled={refreshing}>
          Try again
        </Button>
      </ErrorState>
    );
  }
  const { data } = load;
  return (
    <Flex direction="column" gap="md">
      {data.score.status === 'scored' ? (
        <ScoredView data={data} score={data.score} timeZone={context.portal.timezone} />
      ) : (
        <EmptyState title="Not scored yet" layout="vertical" imageName="leads">
          <Text>{data.score.reason}</Text>
        </EmptyState>
      )}
      <ButtonRow>
        <Button onClick={fetchScore} disabled={refreshing} testId="refresh">
          Refresh
        </Button>
      </ButtonRow>
      {data.score.status === 'scored' && <FeedbackForm fetcher={fetcher} contactId={contactId} />}
    </Flex>
  );
}

function ScoredView({ data, score, timeZone }: { data: ContactScore; score: Extract<ScoreBody, { status: 'scored' }>; timeZone: string }) {
  const positive = score.reasons.filter((r) => r.direction === 'positive').slice(0, 3);
  const negative = score.reasons.filter((r) => r.direction === 'negative').slice(0, 3);
  const change = changeSincePrevious(data.history);
  const trend = data.history
    .filter((h) => h.status === 'scored' && h.composite !== null)
    .reverse()
    .map((h) => ({ scored: h.scored_at, composite: h.composite! }));
  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="md" align="center">
        <ScoreCircle score={score.composite} testId="composite" />
        <Flex direction="column" gap="xs">
          <Tag variant={tierVariant(score.tier, data.tiers)} testId="tier">
            {score.tier}
          </Tag>
          <Text testId="probability">{capitalize(probabilityInWords(score.probability))}</Text>
        </Flex>
      </Flex>
      <Statistics>
        <StatisticsItem label="Composite" number={score.composite}>
          {change !== null && change !== 0 && <StatisticsTrend direction={change > 0 ? 'increase' : 'decrease'} value={`${Math.abs(change)} since the previous score`} />}
        </StatisticsItem>
        <StatisticsItem label="Fit" number={score.fit ?? '–'} />
        <StatisticsItem label="Engagement" number={score.engagement ?? '–'} />
        <StatisticsItem label="Grade" number={score.grade ?? '–'} />
      </Statistics>
      {positive.length > 0 && (
        <>
          <Heading>Working for this lead</Heading>
          <List variant="unordered-styled" testId="positive-reasons">
            {positive.map((r) => (
              <Text key={r.feature}>{r.text}</Text>
            ))}
          </List>
        </>
      )}
      {negative.length > 0 && (
        <>
          <Heading>Working against it</Heading>
          <List variant="unordered-styled" testId="negative-reasons">
            {negative.map((r) => (
              <Text key={r.feature}>{r.text}</Text>
            ))}
          </List>
        </>
      )}
      {score.next_action && (
        <Text testId="next-action">
          <Text inline format={{ fontWeight: 'bold' }}>
            Next action:
          </Text>{' '}
          {score.next_action}
        </Text>
      )}
      <Text variant="microcopy" testId="scored-by">
        Scored {formatWhen(score.scored_at, timeZone)} by model {score.model_version}
      </Text>
      <Divider />
      {trend.length >= 2 ? (
        <LineChart
          testId="trend"
          data={trend}
          axes={{ x: { field: 'scored', fieldType: 'datetime', label: 'Scored' }, y: { field: 'composite', fieldType: 'linear', label: 'Composite score' } }}
          options={{ title: 'Recent scores', showTooltips: true }}
        />
      ) : (
        <Text variant="microcopy" testId="trend-empty">
          No earlier scores yet: the trend appears after the next rescore.
        </Text>
      )}
    </Flex>
  );
}

const REASONS: Array<{ label: string; value: FeedbackReason }> = [
  { label: 'Score is too high', value: 'too_high' },
  { label: 'Score is too low', value: 'too_low' },
  { label: 'The reasons are wrong', value: 'wrong_reasons' },
  { label: 'Something else', value: 'other' },
];

type Sent = { kind: 'idle' } | { kind: 'sending' } | { kind: 'sent' } | { kind: 'failed'; message: string };

/** "This score looks wrong": a reason and an optional comment, stored with the score it is about. */
function FeedbackForm({ fetcher, contactId }: { fetcher: Fetcher; contactId: string }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<FeedbackReason | null>(null);
  const [comment, setComment] = useState('');
  const [sent, setSent] = useState<Sent>({ kind: 'idle' });

  const send = () => {
    if (!reason) return;
    setSent({ kind: 'sending' });
    callLeadscore(fetcher, `/hubspot/ui/contacts/${encodeURIComponent(contactId)}/feedback`, {
      method: 'POST',
      body: { reason, ...(comment.trim() ? { comment: comment.trim() } : {}) },
    })
      .then(() => setSent({ kind: 'sent' }))
      .catch((err: unknown) => setSent({ kind: 'failed', message: err instanceof LeadscoreApiError ? err.message : String(err) }));
  };

  if (sent.kind === 'sent') {
    return (
      <Alert title="Thanks, feedback sent" variant="success">
        RevOps will see it next to this score.
      </Alert>
    );
  }
  if (!open) {
    return (
      <Button variant="secondary" onClick={() => setOpen(true)} testId="looks-wrong">
        This score looks wrong
      </Button>
    );
  }
  return (
    <Flex direction="column" gap="sm">
      <Select label="What is wrong with this score?" name="reason" required options={REASONS} value={reason ?? undefined} onChange={(v) => setReason(v as FeedbackReason)} />
      <TextArea label="Comment (optional)" name="comment" maxLength={1000} value={comment} onChange={setComment} />
      {sent.kind === 'failed' && (
        <Alert title="Feedback was not sent" variant="error">
          {sent.message}
        </Alert>
      )}
      <ButtonRow>
        <Button variant="primary" onClick={send} disabled={!reason || sent.kind === 'sending'} testId="send-feedback">
          Send feedback
        </Button>
        <Button variant="secondary" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </ButtonRow>
    </Flex>
  );
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
