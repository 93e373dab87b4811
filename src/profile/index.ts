/**
 * Target profiles: how roomgate talks to any room API (docs/profiles.md).
 * The explicit export list later stages build on.
 */
export type * from './types.js';
export { PROFILE_FORMAT, ROOM_STATES } from './types.js';
export { loadProfile, parseProfile, loadBuiltinProfile, type LoadProfileOptions } from './load-profile.js';
export { resolveOperation, type OperationLookup } from './resolve-operation.js';
export { renderTemplate, templateProblems, placeholdersIn, parsePlaceholder, TEMPLATE_VARIABLES } from './template.js';
export type { TemplateVariables, TemplateVariable, TemplateVariableName, JsonValue, RenderContext, Placeholder } from './template.js';
export { readPointer, formatPointer, pointerTokens } from './pointer.js';
export { buildRequest, encodeParams, CONTENT_TYPES, type RoomRequest } from './request-builder.js';
export { RoomApi, type CreateOptions, type RoomRef, type ListQuery, type ListRequest, type RoomApiOptions, type WebhookEventKind } from './room-api.js';
export { ProfileClient, createProfileClient, type ProfileClientOptions, type ConnectOptions, type RoomView, type CallOptions } from './profile-client.js';
export { exchange, ProfileApiError, type HttpAnswer, type ExchangeOptions } from './http-exchange.js';
export type { Authenticator, AuthenticatorOptions, Credentials } from './auth/authenticator.js';
export { createAuthenticator } from './auth/create-authenticator.js';
export { resolveCredentials } from './auth/credentials.js';
export { draftProfile, type ProfileDraft } from './draft-profile.js';
