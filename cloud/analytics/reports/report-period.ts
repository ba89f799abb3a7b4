import { AppError } from '../../../shared/errors.ts';
import { addDays, dayOfWeek, isLocalDate, type LocalDate, monthEnd, monthStart } from '../cost/local-time.ts';

export type ReportKind = 'daily' | 'weekly' | 'monthly' | 'custom';

/**
 * The local-day period of a report. Without `date`, the last complete period before `today`: yesterday,
 * last ISO week (Monday–Sunday), last calendar month.
 */
export function reportPeriod(
  kind: ReportKind,
  today: LocalDate,
  q: { date?: string | undefined; from?: string | undefined; to?: string | undefined },
): { from: LocalDate; to: LocalDate } {
  const check = (d: string | undefined, name: string) => {
    if (d !== undefined && !isLocalDate(d)) throw new AppError('bad_request', `${name} must be YYYY-MM-DD`);
  };
  check(q.date, 'date');
  check(q.from, 'from');
  check(q.to, 'to');
  if (kind === 'custom') {
    if (!q.from || !q.to) throw new AppError('bad_request', 'a custom report needs from and to');
    if (q.to < q.from) throw new AppError('bad_request', '`to` is before `from`');
    if (q.to > addDays(q.from, 366))
      throw new AppError('bad_request', 'a custom report covers at most 367 days');
    return { from: q.from, to: q.to };
  }
  if (kind === 'daily') {
    const d = q.date ?? addDays(today, -1);
    return { from: d, to: d };
  }
  if (kind === 'weekly') {
    const ref = q.date ?? addDays(today, -7);
    const monday = addDays(ref, -((dayOfWeek(ref) + 6) % 7));
    return { from: monday, to: addDays(monday, 6) };
  }
  const ref = q.date ?? addDays(monthStart(today), -1);
  return { from: monthStart(ref), to: monthEnd(ref) };
}
