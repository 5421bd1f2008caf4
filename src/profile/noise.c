#include "cprof/noise.h"

#include <math.h>

/* The normal two-sided quantile: erfc(z / sqrt 2) = ALPHA, by bisection. */
static double z_of(double alpha)
{
	double lo = 0, hi = 40;
	int i;

	for (i = 0; i < 100; i++) {
		double mid = (lo + hi) / 2;

		if (erfc(mid / sqrt(2.0)) > alpha)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

double noise_quantile(double alpha, unsigned dof)
{
	double z = z_of(alpha), z3 = z * z * z, z5 = z3 * z * z, n = dof;

	if (!dof)
		return z;
	/* Abramowitz and Stegun 26.7.5, three terms */
	return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
	       (3 * z5 * z * z + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}

double noise_var(const double *c, const double *w, uint32_t k)
{
	double cf = 0, whole = 0, p, ss = 0;
	uint32_t i;

	for (i = 0; i < k; i++) {
		cf += c[i];
		whole += w[i];
	}
	if (k < 2 || whole <= 0)
		return cf;
	p = cf / whole;
	for (i = 0; i < k; i++)
		ss += (c[i] - p * w[i]) * (c[i] - p * w[i]);
	return (double)k / (double)(k - 1) * ss + p * p * whole;
}

uint32_t noise_slices(uint64_t samples, uint64_t span_ns)
{
	uint64_t k = span_ns / NOISE_SLICE_NS;

	if (samples < 2 * NOISE_SLICES || !span_ns)
		return 1;
	if (samples / NOISE_SLICE_SAMPLES < k)
		k = samples / NOISE_SLICE_SAMPLES;
	return k < NOISE_SLICES ? NOISE_SLICES : k > NOISE_SLICES_MAX ? NOISE_SLICES_MAX : (uint32_t)k;
}
