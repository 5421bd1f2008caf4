/* The harness entry point shared by the fuzzer and the corpus replay. */
#ifndef CPROF_FUZZ_H
#define CPROF_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's contract: run one input; always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
