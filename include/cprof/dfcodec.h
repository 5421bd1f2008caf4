/*
 * The bytes of a data file's records (datafile.h defines the records and
 * df_encode()/df_decode(), which live here): the writer and the reader of
 * the file, and the live queue, all encode and decode through this one
 * codec. A record is an 8-byte header (type, size including the header)
 * and its payload.
 */
#ifndef CPROF_DFCODEC_H
#define CPROF_DFCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "cprof/datafile.h"

#define DF_REC_HEADER 8          /* u32 type, u32 size */
#define DF_REC_MAX (16u << 20)   /* the largest record, header included */

/*
 * Decode the payload P (N bytes) of a record of TYPE into REC (its
 * strings and arrays point into P); *USED gets the bytes it took. Returns
 * 0, -ENOENT for a type this cprof does not know, -EBADMSG for a payload
 * too short or malformed.
 */
int dfcodec_decode(uint32_t type, const unsigned char *p, size_t n, struct df_record *rec,
		   size_t *used);

#endif
