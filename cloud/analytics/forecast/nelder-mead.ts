/**
 * Nelder–Mead simplex minimiser (standard coefficients: reflection 1, expansion 2, contraction ½,
 * shrink ½). Unconstrained; callers map bounded parameters through a logistic transform. Deterministic.
 */
export interface MinimiseResult {
  x: number[];
  value: number;
  evaluations: number;
}

export function nelderMead(
  f: (x: number[]) => number,
  start: readonly number[],
  opts: { step?: number; maxEvaluations?: number; tolerance?: number } = {},
): MinimiseResult {
  const n = start.length;
  const step = opts.step ?? 1;
  const maxEval = opts.maxEvaluations ?? 200 * n;
  const tol = opts.tolerance ?? 1e-7;
  let evals = 0;
  const evalf = (x: number[]) => {
    evals++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let simplex: { x: number[]; v: number }[] = [{ x: [...start], v: evalf([...start]) }];
  for (let i = 0; i < n; i++) {
    const x = [...start];
    x[i]! += step;
    simplex.push({ x, v: evalf(x) });
  }
  while (evals < maxEval) {
    simplex.sort((a, b) => a.v - b.v);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.v - best.v) <= tol * (Math.abs(best.v) + tol)) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]!.x[j]! / n;
    const along = (t: number) => centroid.map((c, j) => c + t * (worst.x[j]! - c));
    const xr = along(-1);
    const vr = evalf(xr);
    if (vr < best.v) {
      const xe = along(-2);
      const ve = evalf(xe);
      simplex[n] = ve < vr ? { x: xe, v: ve } : { x: xr, v: vr };
      continue;
    }
    if (vr < simplex[n - 1]!.v) {
      simplex[n] = { x: xr, v: vr };
      continue;
    }
    const xc = vr < worst.v ? along(-0.5) : along(0.5);
    const vc = evalf(xc);
    if (vc < Math.min(vr, worst.v)) {
      simplex[n] = { x: xc, v: vc };
      continue;
    }
    simplex = simplex.map((p, i) =>
      i === 0
        ? p
        : (() => {
            const x = p.x.map((v, j) => best.x[j]! + 0.5 * (v - best.x[j]!));
            return { x, v: evalf(x) };
          })(),
    );
  }
  simplex.sort((a, b) => a.v - b.v);
  return { x: simplex[0]!.x, value: simplex[0]!.v, evaluations: evals };
}
