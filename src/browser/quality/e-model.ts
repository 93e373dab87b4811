/**
 * An audio quality estimate on the 1–5 MOS scale from what getStats reports
 * (round-trip time, jitter, packet loss): the ITU-T G.107 E-model in the
 * simplified form commonly published for VoIP monitoring. A pure function;
 * docs/quality-metrics.md explains it for users.
 *
 *   d      = RTT/2 + 2·jitter + 10 ms                       effective one-way delay: network half of the
 *                                                           round trip, a jitter buffer twice the jitter,
 *                                                           10 ms of codec and packetisation
 *   Id     = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)        delay impairment (Cole & Rosenbluth 2001,
 *                                                           a fit of G.107's Id for default echo
 *                                                           settings; H is the unit step)
 *   Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl + Bpl)             effective equipment impairment, G.107's
 *                                                           Ie,eff with BurstR = 1 (random loss);
 *                                                           Ppl in percent
 *   R      = 93.2 − Id − Ie,eff                             93.2 = the R G.107 gives with every
 *                                                           parameter at its default; advantage A = 0
 *   MOS    = 1                                  for R ≤ 0   G.107 Annex B
 *          = 1 + 0.035·R + 7·10⁻⁶·R·(R−60)·(100−R)  for 0 < R < 100
 *          = 4.5                                for R ≥ 100
 *
 * Sources:
 * - ITU-T G.107 (06/2015), "The E-model: a computational model for use in
 *   transmission planning": §7 (R, Ie,eff) and Annex B (R → MOS, Table B.1).
 * - R. G. Cole and J. H. Rosenbluth, "Voice over IP performance monitoring",
 *   ACM SIGCOMM Computer Communication Review 31(2), 2001: the Id fit.
 * - ITU-T G.113 Appendix I: provisional planning values Ie and Bpl per codec;
 *   G.711 with its packet loss concealment (G.711 Appendix I): Ie = 0,
 *   Bpl = 25.1 under random loss.
 *
 * Opus, WebRTC's audio codec, has no ITU-T planning values on the
 * narrowband scale; it is given G.711-with-PLC's (Ie 0, Bpl 25.1), as VoIP
 * monitors commonly do. That is conservative: Opus' concealment and in-band
 * FEC hide random loss at least as well. The estimate is a planning figure
 * on the narrowband scale (at best 4.41), not a measurement of the decoded
 * audio: it says how much a network's loss, jitter and delay cost, which is
 * what a cohort comparison needs.
 */

export interface CodecImpairment {
  name: string;
  /** Equipment impairment with no loss (G.113 Appendix I). */
  ie: number;
  /** Packet-loss robustness (G.113 Appendix I). */
  bpl: number;
}

/** G.711 with the packet loss concealment of G.711 Appendix I, random loss (G.113 Appendix I). */
export const G711_WITH_PLC: CodecImpairment = { name: 'G.711 with PLC', ie: 0, bpl: 25.1 };
/** Opus, given G.711-with-PLC's planning values (no ITU-T narrowband values exist; see above). */
export const OPUS: CodecImpairment = { name: 'Opus (G.711 with PLC planning values)', ie: 0, bpl: 25.1 };

/** The R that G.107 gives with every parameter at its default value. */
export const DEFAULT_R = 93.2;
/** Codec and packetisation delay of the simplified model, ms. */
const PROCESSING_DELAY_MS = 10;

export interface MosInput {
  /** Round-trip time, ms (getStats: remote-inbound-rtp roundTripTime × 1000). */
  rttMs: number;
  /** Interarrival jitter, ms (getStats: inbound-rtp jitter × 1000). */
  jitterMs: number;
  /** Packets lost, percent of those sent (lost / (lost + received) × 100 over the window). */
  packetLossPercent: number;
  /** Default: Opus. */
  codec?: CodecImpairment;
}

export interface MosEstimate {
  mos: number;
  rFactor: number;
  effectiveDelayMs: number;
  delayImpairment: number;
  equipmentImpairment: number;
}

export function estimateMos(input: MosInput): MosEstimate {
  for (const [name, value] of Object.entries({ rttMs: input.rttMs, jitterMs: input.jitterMs, packetLossPercent: input.packetLossPercent })) {
    if (!Number.isFinite(value)) throw new RangeError(`estimateMos: ${name} must be a finite number, got ${value}`);
  }
  // RTCP can report negative loss (duplicates outnumber losses) and clocks can make tiny negative
  // times: those mean "none", not an input error.
  const rtt = Math.max(0, input.rttMs);
  const jitter = Math.max(0, input.jitterMs);
  const loss = Math.min(100, Math.max(0, input.packetLossPercent));
  const effectiveDelayMs = rtt / 2 + 2 * jitter + PROCESSING_DELAY_MS;
  const id = delayImpairment(effectiveDelayMs);
  const ie = effectiveEquipmentImpairment(loss, input.codec ?? OPUS);
  const rFactor = DEFAULT_R - id - ie;
  return { mos: mosFromRFactor(rFactor), rFactor, effectiveDelayMs, delayImpairment: id, equipmentImpairment: ie };
}

/** Id for a one-way delay of `delayMs` (Cole & Rosenbluth's fit of G.107). */
export function delayImpairment(delayMs: number): number {
  return 0.024 * delayMs + (delayMs > 177.3 ? 0.11 * (delayMs - 177.3) : 0);
}

/** Ie,eff for random loss of `lossPercent` (G.107 §7.4 with BurstR = 1). */
export function effectiveEquipmentImpairment(lossPercent: number, codec: CodecImpairment): number {
  return codec.ie + ((95 - codec.ie) * lossPercent) / (lossPercent + codec.bpl);
}

/**
 * G.107 Annex B's R → MOS. The cubic dips just below 1 for 0 < R < 6.5; a
 * MOS is never below 1, so it is held there.
 */
export function mosFromRFactor(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return Math.max(1, 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r));
}
