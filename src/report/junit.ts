import { stepCoverage, type CheckResult, type SloVerdict, type StepResult } from '../model/result.js';
import { coverageFigure } from '../model/coverage.js';
import { evidenceText, sloMessage } from './evidence-text.js';
import { xmlAttr, xmlText } from './xml.js';

/**
 * JUnit XML in the shape CI tools read (Jenkins' junit plugin, GitLab,
 * GitHub test-reporter actions, Azure): `<testsuites>` → one `<testsuite>` per
 * step → one `<testcase>` per contract check and per SLO. A failed check
 * carries `<failure message=…>` with its evidence as text, an errored one
 * `<error>`, a skipped one `<skipped message=…/>`. A step that could not reach
 * a verdict at all (errored, invalid, interrupted with nothing recorded) still
 * gets a testcase, so the CI view never shows "0 tests, green" for it.
 */
export interface JunitMeta {
  /** The name of the whole run, e.g. the suite name. */
  name: string;
  /** ISO time the run started; defaults to the first step's start. */
  timestamp?: string;
  hostname?: string;
}

interface Case {
  classname: string;
  name: string;
  seconds: number;
  outcome: { kind: 'passed' } | { kind: 'failure' | 'error'; message: string; type: string; body: string } | { kind: 'skipped'; message: string };
}

export function renderJunit(results: readonly StepResult[], meta: JunitMeta): string {
  const suites = results.map((step) => ({ step, cases: casesOf(step) }));
  const all = suites.flatMap((s) => s.cases);
  const totals = count(all);
  const totalSeconds = results.reduce((sum, step) => sum + step.durationMs / 1000, 0);
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(
    `<testsuites name="${xmlAttr(meta.name)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${seconds(totalSeconds)}"${meta.timestamp === undefined ? '' : ` timestamp="${xmlAttr(meta.timestamp)}"`}>`,
  );
  for (const { step, cases } of suites) {
    const t = count(cases);
    const hostname = meta.hostname === undefined ? '' : ` hostname="${xmlAttr(meta.hostname)}"`;
    lines.push(
      `  <testsuite name="${xmlAttr(step.name)}" tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}" time="${seconds(step.durationMs / 1000)}" timestamp="${xmlAttr(step.startedAt)}"${hostname}>`,
    );
    const map = stepCoverage(step);
    const coverage = map === undefined ? '' : `<property name="coverage" value="${xmlAttr(coverageFigure(map))}"/>`;
    lines.push(
      `    <properties><property name="kind" value="${xmlAttr(step.kind)}"/><property name="status" value="${xmlAttr(step.status)}"/>${coverage}</properties>`,
    );
    for (const c of cases) lines.push(...renderCase(c));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function casesOf(step: StepResult): Case[] {
  const cases: Case[] = [];
  for (const check of step.checks) cases.push(checkCase(step, check));
  for (const slo of step.slos) cases.push(sloCase(step, slo));
  const verdictless = step.status === 'errored' || step.status === 'invalid' || step.status === 'interrupted';
  const explained = cases.some((c) => c.outcome.kind === 'error');
  if (verdictless && !explained) {
    cases.push({
      classname: `roomgate.${step.name}`,
      name: `${step.name} (${step.status})`,
      seconds: step.durationMs / 1000,
      outcome: { kind: 'error', type: step.status, message: step.reason ?? `step ${step.status}`, body: step.reason ?? '' },
    });
  } else if (step.status === 'skipped' && cases.length === 0) {
    cases.push({
      classname: `roomgate.${step.name}`,
      name: step.name,
      seconds: 0,
      outcome: { kind: 'skipped', message: step.reason ?? 'not run' },
    });
  } else if (step.status === 'failed' && !cases.some((c) => c.outcome.kind === 'failure' || c.outcome.kind === 'error')) {
    // A failed step without a failed check or SLO (e.g. a browser step whose joins failed): say so.
    cases.push({
      classname: `roomgate.${step.name}`,
      name: step.name,
      seconds: step.durationMs / 1000,
      outcome: { kind: 'failure', type: 'step', message: step.reason ?? 'step failed', body: step.reason ?? '' },
    });
  }
  return cases;
}

function checkCase(step: StepResult, check: CheckResult): Case {
  const base = { classname: `roomgate.${step.name}.${check.group}`, name: check.name, seconds: check.durationMs / 1000 };
  switch (check.status) {
    case 'passed':
      return { ...base, outcome: { kind: 'passed' } };
    case 'failed':
      return { ...base, outcome: { kind: 'failure', type: 'contract', message: check.message, body: evidenceText(check.evidence) } };
    case 'errored':
      return {
        ...base,
        outcome: { kind: 'error', type: 'harness', message: check.message, body: check.evidence === undefined ? check.message : evidenceText(check.evidence) },
      };
    case 'skipped':
      return { ...base, outcome: { kind: 'skipped', message: check.reason } };
  }
}

function sloCase(step: StepResult, slo: SloVerdict): Case {
  const base = { classname: `roomgate.${step.name}.slo`, name: slo.expression, seconds: 0 };
  if (slo.status === 'passed') return { ...base, outcome: { kind: 'passed' } };
  const message = `${slo.expression}: ${sloMessage(slo)}`;
  return { ...base, outcome: { kind: 'failure', type: slo.status === 'no-data' ? 'slo-no-data' : 'slo', message, body: message } };
}

function renderCase(c: Case): string[] {
  const open = `    <testcase classname="${xmlAttr(c.classname)}" name="${xmlAttr(c.name)}" time="${seconds(c.seconds)}"`;
  switch (c.outcome.kind) {
    case 'passed':
      return [`${open}/>`];
    case 'skipped':
      return [`${open}>`, `      <skipped message="${xmlAttr(c.outcome.message)}"/>`, '    </testcase>'];
    case 'failure':
    case 'error':
      return [
        `${open}>`,
        `      <${c.outcome.kind} message="${xmlAttr(firstLine(c.outcome.message))}" type="${xmlAttr(c.outcome.type)}">${xmlText(c.outcome.body)}</${c.outcome.kind}>`,
        '    </testcase>',
      ];
  }
}

function count(cases: readonly Case[]) {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.outcome.kind === 'failure').length,
    errors: cases.filter((c) => c.outcome.kind === 'error').length,
    skipped: cases.filter((c) => c.outcome.kind === 'skipped').length,
  };
}

function seconds(value: number): string {
  return Math.max(0, value).toFixed(3);
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
