import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { isLeadscoreError } from '../../domain/index.js';
import { describeIssues } from '../../settings/index.js';

/** An error the API answers with as JSON: `{"error": {"code", "message", "issues"?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Array<{ field: string; message: string }>,
  ) {
    super(message);
  }
}

/** Parse a request part with its schema, or answer 400 naming every bad field. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown, part = 'body'): z.output<S> {
  if (value === undefined) throw new ApiError(400, 'INVALID_REQUEST', `the request needs a JSON ${part} (Content-Type: application/json)`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error).map((i) => ({ field: i.field, message: unknownKeysMessage(i.message) }));
    const first = issues[0]!;
    throw new ApiError(400, 'INVALID_REQUEST', `${first.field}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, issues);
  }
  return parsed.data;
}

const unknownKeysMessage = (message: string) => message.replace(/^Unrecognized keys?: /, 'unknown field(s): ');

/** The last middleware: every error becomes JSON with a code; unexpected ones are logged, not shown. */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const body = (status: number, code: string, message: string, issues?: ApiError['issues']) =>
    res.status(status).json({ error: { code, message, ...(issues ? { issues } : {}) } });
  if (err instanceof ApiError) return void body(err.status, err.code, err.message, err.issues);
  const http = err as { type?: string; status?: number; limit?: number };
  if (http.type === 'entity.too.large') return void body(413, 'BODY_TOO_LARGE', `the request body is larger than the limit of ${http.limit} bytes`);
  if (http.type === 'entity.parse.failed') return void body(400, 'MALFORMED_JSON', `the request body is not valid JSON: ${(err as Error).message}`);
  if (http.type === 'encoding.unsupported' || http.type === 'charset.unsupported') return void body(415, 'UNSUPPORTED_ENCODING', (err as Error).message);
  if (isLeadscoreError(err, 'NOT_FOUND')) return void body(404, 'NOT_FOUND', err.message);
  if (isLeadscoreError(err, 'SETTINGS_INVALID')) return void body(409, 'CONFLICT', err.message);
  if (err instanceof z.ZodError) return void body(400, 'INVALID_REQUEST', describeIssues(err)[0]!.message, describeIssues(err));
  (req.log ?? console).error('request failed', { error: err, stack: (err as Error)?.stack });
  body(500, 'INTERNAL', 'something went wrong; the server log has the details (look for this request id)');
}
