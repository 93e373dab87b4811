/** The webhook-sink step: webhook delivery measured while other steps create and close rooms. */
export { createWebhookSinkStep, sinkVerdict } from './webhook-sink-step.js';
export { resolveSinkOptions, SINK_DEFAULTS, DEFAULT_SINK_SLOS, type WebhookSinkStepOptions, type ResolvedSinkOptions } from './options.js';
export { deliveryMetricCatalog, DELIVERY_COUNTERS, DELIVERY_SERIES, EVENT_OPERATIONS, type EventOperation } from './delivery-metrics.js';
export { DeliveryLedger, type ClassifiedPayload, type LedgerOptions } from './delivery-ledger.js';
export { SignatureJudge, type SignatureVerdict } from './signature-judge.js';
