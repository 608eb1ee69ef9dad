import { Alert, List, Text } from '@hubspot/ui-extensions';
import { LeadscoreApiError } from './leadscore-api';

export type Issue = { field: string; message: string };

/** What a failed call says: each bad field when the server named them, else its message. */
export function issuesOf(err: unknown): Issue[] {
  if (err instanceof LeadscoreApiError && err.issues.length > 0) return err.issues;
  return [{ field: '', message: err instanceof Error ? err.message : String(err) }];
}

/** The message for one field ("settings.tiers.levels[1].min"), shown next to its input. */
export const messageFor = (issues: Issue[], field: string): string | undefined => issues.find((i) => i.field === field)?.message;

/** Every problem, each with the field it is about. */
export function IssueList({ title, issues, testId }: { title: string; issues: Issue[]; testId: string }) {
  if (issues.length === 0) return null;
  return (
    <Alert title={title} variant="error" testId={testId}>
      <List>
        {issues.map((i) => (
          <Text key={`${i.field}:${i.message}`}>{i.field ? `${i.field}: ${i.message}` : i.message}</Text>
        ))}
      </List>
    </Alert>
  );
}
