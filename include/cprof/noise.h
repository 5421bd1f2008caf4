/*
 * The statistics of cprof diff's noise: how far a cost measured from a
 * recording may be from the same program's cost in another recording.
 *
 * A recording is cut into time slices; a function's cost c_k in slice k
 * and the whole cost w_k give, by the ratio estimator over the slices,
 *
 *     var(C_f) = K / (K - 1) * sum_k (c_k - p w_k)^2  +  p^2 W,   p = C_f / W
 *
 * (counts squared; C_f = sum c_k, W = sum w_k): the spread of the
 * function's share from slice to slice, which holds whatever correlates
 * the samples within a slice (phases, JIT recompiles, a thread that
 * sleeps), plus the counting noise of the whole (W samples, Poisson). It
 * is the batch-means method of simulation output: slices far longer than
 * the program's correlation time are nearly independent, so their spread
 * measures the noise of their sum. Without slices (K = 1: no timestamps)
 * the samples are taken as independent: var(C_f) = C_f.
 */
#ifndef CPROF_NOISE_H
#define CPROF_NOISE_H

#include <stdint.h>

/*
 * The slices a recording is cut into when it has timestamps: as many as
 * make slices of at least NOISE_SLICE_NS and NOISE_SLICE_SAMPLES samples,
 * from NOISE_SLICES (below 2 * NOISE_SLICES samples: none, K = 1) to
 * NOISE_SLICES_MAX. More slices give the variance more degrees of freedom
 * (a smaller t quantile); long slices keep them apart (a JIT's or a
 * collector's phase lasts tens of milliseconds).
 */
#define NOISE_SLICES 20
#define NOISE_SLICES_MAX 64
#define NOISE_SLICE_NS 200000000ull
#define NOISE_SLICE_SAMPLES 50

/* The slices of a recording of SAMPLES samples over SPAN_NS nanoseconds, as above. */
uint32_t noise_slices(uint64_t samples, uint64_t span_ns);

/*
 * The two-sided quantile of level ALPHA (0 < ALPHA < 1) of Student's t
 * with DOF degrees of freedom (0: the normal distribution): |T| exceeds it
 * with probability ALPHA. Cornish-Fisher's expansion in 1/DOF, within 2 %
 * for DOF >= 5 down to ALPHA = 1e-6.
 */
double noise_quantile(double alpha, unsigned dof);

/*
 * var(C_f) as above, in counts squared: C[k] the function's cost and W[k]
 * the whole cost of slice k, K slices (1: counting noise, C_f).
 */
double noise_var(const double *c, const double *w, uint32_t k);

#endif
