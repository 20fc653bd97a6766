import type { Caller, PromotionReporting, ReportContext, Verdict } from '@deploydb/core';
import type { JenkinsSettingsInput } from './schema.js';

/**
 * Results reported by CI (`POST /api/deployments/{id}/promotions`, or a
 * `verification.completed` trigger). A report settles the promotion at once in either mode,
 * even while builds are still being polled.
 */
export const jenkinsReporting: PromotionReporting<JenkinsSettingsInput> = {
  mayReport(caller: Caller): boolean {
    return caller.roles.includes('ci');
  },
  accept({ report }: ReportContext<JenkinsSettingsInput>): Verdict {
    if (report.status === 'SUCCESS') return { status: 'SUCCESS', infoUrl: report.infoUrl, reason: report.reason };
    return {
      status: 'FAILED',
      reason: report.reason ?? `reported FAILED by ${report.actor ?? 'an anonymous caller'}`,
      infoUrl: report.infoUrl,
    };
  },
};
