/**
 * The timeline's charts as SVG paths: one path per series (not one element
 * per month), so a history of hundreds of months draws as a handful of
 * elements. x: month i of n at the centre of its slot in [0, width].
 */

/** Bars of `values` (one per month) from the baseline `y0` up (or, with `down`, down) to at most `height`. */
export function barsPath(values: number[], width: number, y0: number, height: number, max: number, down = false, base?: number[]): string {
	if (!(max > 0) || values.length === 0) return '';
	const slot = width / values.length;
	const w = Math.max(0.5, slot * 0.72);
	const sign = down ? 1 : -1;
	let d = '';
	values.forEach((v, i) => {
		if (!(v > 0)) return;
		const from = (base?.[i] ?? 0) / max;
		const x = i * slot + (slot - w) / 2;
		const y = y0 + sign * from * height;
		const h = (v / max) * height;
		d += `M${r(x)} ${r(y)}h${r(w)}v${r(sign * h)}h${r(-w)}Z`;
	});
	return d;
}

/** A stacked area's band between `lower` and `upper` (per month), scaled to `max` over `height` above `y0`. */
export function bandPath(lower: number[], upper: number[], width: number, y0: number, height: number, max: number): string {
	const n = upper.length;
	if (n === 0 || !(max > 0)) return '';
	const slot = width / n;
	const x = (i: number) => r(i * slot + slot / 2);
	const y = (v: number) => r(y0 - (v / max) * height);
	// One month alone: a block of its slot's width.
	if (n === 1) return `M0 ${y(upper[0])}H${r(width)}V${y(lower[0])}H0Z`;
	let d = `M${x(0)} ${y(upper[0])}`;
	for (let i = 1; i < n; i++) d += `L${x(i)} ${y(upper[i])}`;
	for (let i = n - 1; i >= 0; i--) d += `L${x(i)} ${y(lower[i])}`;
	return `${d}Z`;
}

/** The month under an x position (clamped to the timeline). */
export function monthAt(x: number, width: number, n: number): number {
	if (n <= 0 || !(width > 0)) return 0;
	return Math.min(n - 1, Math.max(0, Math.floor((x / width) * n)));
}

const r = (v: number) => Math.round(v * 100) / 100;
