// Batch jobs, as the application creates and polls them (not their results: batch-results.ts).
// - Creating a batch (OpenAI `POST /v1/batches`, Anthropic `POST /v1/messages/batches`) is recorded
//   as an operation without cost: a span saying which batch was submitted and how many requests it
//   holds. It is not an LLM call: its requests are priced when their results are downloaded.
// - Reading an OpenAI batch (`GET /v1/batches/{id}`, the list `GET /v1/batches`, or the create
//   response) tells which output and error files are the batch's: the fetch layer remembers it, so
//   the calls of a downloaded output file carry the batch id (the file URL names only the file).
// Pure: the fetch layer observes the bodies and records.
import { type BatchEndpoint, batchEndpoint, endsLikeBatchResults, isOpenAIBase } from './batch-results.js';
import type { RecognizeOptions } from './recognize.js';
import { arr, num, obj, str } from './util.js';

export type BatchJobAction = 'create' | 'retrieve' | 'list';

/** A request about a batch job: what it does, and where. */
export interface BatchJobRequest extends BatchEndpoint {
  action: BatchJobAction;
}

/** What a batch object says (OpenAI `object: 'batch'`, Anthropic `type: 'message_batch'`). */
export interface BatchJob {
  id: string;
  /** All the batch's requests, when the API has counted them (OpenAI counts once it has validated). */
  requestCount?: number;
  /** OpenAI: the uploaded file holding the batch's requests. */
  inputFileId?: string;
  /** OpenAI: the files holding its results and its errors, once it has them. */
  outputFileId?: string;
  errorFileId?: string;
}

const ANTHROPIC_CREATE = /^(.*)\/messages\/batches$/;
const OPENAI_BATCHES = /^(.*)\/batches(?:\/([^/]+))?$/;

/** Cheap test on the raw URL, before any parse: could this be a request about a batch job? */
export function mayBeBatchJob(href: string): boolean {
  return href.includes('/batches');
}

/**
 * Test of a URL string fetched with no method at all (a GET), without parsing it: could it be a
 * download of batch results (`.../content`, `.../results`) or a read of OpenAI batches
 * (`.../batches`, `.../batches/{id}`), a query string (Azure OpenAI's `?api-version=`) aside? No
 * allocation: one scan for `?`, then a look back over the path's last segment only.
 */
export function endsLikeBatchGet(href: string): boolean {
  const q = href.indexOf('?');
  const end = q < 0 ? href.length : q;
  if (endsLikeBatchResults(href, end) || href.endsWith('/batches', end)) return true;
  const slash = href.lastIndexOf('/', end - 1);
  return slash > 0 && href.endsWith('/batches', slash);
}

/** The batch job request `method` (upper case) on `url` is, or null. */
export function recognizeBatchJob(
  url: URL,
  method: string,
  options?: RecognizeOptions,
): BatchJobRequest | null {
  const path = url.pathname;
  if (method === 'POST') {
    const a = ANTHROPIC_CREATE.exec(path);
    if (a) {
      const endpoint = batchEndpoint(url, 'anthropic', a[1]!, options);
      return endpoint && { ...endpoint, action: 'create' };
    }
  }
  const o = OPENAI_BATCHES.exec(path);
  if (!o || path.includes('/messages/batches') || !isOpenAIBase(o[1]!)) return null;
  let action: BatchJobAction;
  if (method === 'POST' && o[2] === undefined) action = 'create';
  else if (method === 'GET') action = o[2] === undefined ? 'list' : 'retrieve';
  else return null;
  const endpoint = batchEndpoint(url, 'openai', o[1]!, options);
  return endpoint && { ...endpoint, action };
}

/** One batch object, or undefined when `value` is not one. Never throws. */
export function readBatchJob(value: unknown): BatchJob | undefined {
  const o = obj(value);
  const id = str(o?.id);
  if (!o || id === undefined || (o.object !== 'batch' && o.type !== 'message_batch')) return undefined;
  const job: BatchJob = { id };
  const counts = obj(o.request_counts);
  if (counts) {
    // OpenAI: total; Anthropic: the requests in each state add up to all of them.
    const total =
      o.object === 'batch'
        ? num(counts.total)
        : ['processing', 'succeeded', 'errored', 'canceled', 'expired'].reduce(
            (n, k) => n + (num(counts[k]) ?? 0),
            0,
          );
    if (total !== undefined && total > 0 && Number.isSafeInteger(total)) job.requestCount = total;
  }
  const input = str(o.input_file_id);
  if (input !== undefined) job.inputFileId = input;
  const output = str(o.output_file_id);
  if (output !== undefined) job.outputFileId = output;
  const errors = str(o.error_file_id);
  if (errors !== undefined) job.errorFileId = errors;
  return job;
}

/** The batch objects of a response: one (create, retrieve) or a page of them (list). Never throws. */
export function readBatchJobs(json: unknown): BatchJob[] {
  const one = readBatchJob(json);
  if (one !== undefined) return [one];
  const page = arr(obj(json)?.data);
  if (page === undefined) return [];
  const out: BatchJob[] = [];
  for (const item of page) {
    const job = readBatchJob(item);
    if (job !== undefined) out.push(job);
  }
  return out;
}
