import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultSet } from '../faults.js';
import { ApiProblem } from './api-problem.js';
import { drainRequestBody } from './drain-request-body.js';

/**
 * The single place every error becomes the `{error, message, status}`
 * envelope: ApiProblems thrown by routes, schema violations, body parser
 * errors (malformed JSON, 413, 415) and anything unexpected (500, without
 * internals in the message).
 */

const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_token',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_content',
  429: 'rate_limited',
  500: 'internal_error',
};

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

export function toApiProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    return new ApiProblem(400, 'invalid_request', describeValidation(fastifyError.validation, fastifyError.validationContext ?? 'body'));
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiProblem(400, 'invalid_json', 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiProblem(400, 'invalid_json', 'The request body is empty but its content-type is application/json; send a JSON object.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiProblem(413, 'payload_too_large', 'The request body is larger than 64 KiB.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiProblem(415, 'unsupported_media_type', 'Send the request body as application/json.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiProblem(400, 'invalid_request', 'The Content-Length header does not match the body.');
    default:
      break;
  }
  // JSON.parse failures surface as SyntaxError with statusCode 400 in some fastify paths.
  if (error instanceof SyntaxError) return new ApiProblem(400, 'invalid_json', 'The request body is not valid JSON.');
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status >= 400 && status < 500) {
    return new ApiProblem(status, CODE_BY_STATUS[status] ?? 'invalid_request', fastifyError.message ?? 'The request was rejected.');
  }
  return new ApiProblem(500, 'internal_error', 'The server failed to process the request; it is safe to retry.');
}

/** `name` must NOT have more than 100 characters` — the message names the field. */
function describeValidation(issues: ValidationIssue[], context: string): string {
  const issue = issues[0];
  if (issue === undefined) return `The request ${context} is not valid.`;
  const where = context === 'querystring' ? 'query parameter' : context === 'params' ? 'path parameter' : 'field';
  const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  switch (issue.keyword) {
    case 'additionalProperties':
      return `Unknown ${where} "${joinPath(path, String(issue.params['additionalProperty']))}".`;
    case 'required':
      return `Missing required ${where} "${joinPath(path, String(issue.params['missingProperty']))}".`;
    default:
      if (path === '') return `The request ${context === 'querystring' ? 'query' : context} ${issue.message ?? 'is not valid'}.`;
      return `The ${where} "${path}" ${issue.message ?? 'is not valid'}.`;
  }
}

function joinPath(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`;
}

/** The envelope of a problem; the `envelope` fault drops its `status`. */
export function envelopeOf(problem: ApiProblem, faults: FaultSet): { error: string; message: string; status?: number } {
  return faults.has('envelope') ? { error: problem.code, message: problem.message } : { error: problem.code, message: problem.message, status: problem.status };
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function sendProblem(reply: FastifyReply, problem: ApiProblem, faults: FaultSet): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
  return reply.code(problem.status).type(JSON_CONTENT_TYPE).send(envelopeOf(problem, faults));
}

export function errorHandler(faults: FaultSet) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toApiProblem(error);
    // Read the rest of an oversized body first, so the client can read the 413 (see the module).
    if (problem.status === 413) return drainRequestBody(request.raw).then(() => sendProblem(reply, problem, faults));
    return sendProblem(reply, problem, faults);
  };
}
