/* V8's JavaScript frames from a node process's memory: see include/cprof/v8.h. */
#include "cprof/v8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof/procmem.h"
#include "cprof/rtsyms.h"
#include "cprof/util.h"

#define MAPS_CACHED 64           /* map -> instance type, cached (maps do not move) */
#define SCOPE_SLOTS 16           /* slots of a ScopeInfo searched for the name */
#define WALK_BUDGET (64u << 10)  /* bytes read per v8_function() or v8_names() */

/* The constants used, by their v8dbg_ names; all are required. */
enum {
	C_TAGGED_SIZE, C_HEAP_TAG, C_HEAP_TAG_MASK, C_SMI_SHIFT,
	C_FP_CONTEXT, C_FP_FUNCTION,
	C_OBJ_MAP, C_MAP_TYPE,
	C_FN_SHARED, C_SFI_NAME, C_SFI_SCRIPT, C_SCRIPT_NAME,
	C_STR_LEN, C_SEQ1_CHARS, C_SEQ2_CHARS, C_CONS_FIRST, C_CONS_SECOND, C_THIN_ACTUAL,
	C_SLICED_PARENT, C_SLICED_OFFSET,
	C_T_SFI, C_T_SCOPE, C_T_SCRIPT,
	C_FIRST_NONSTRING, C_REPR_MASK, C_ENC_MASK, C_SEQ_TAG, C_CONS_TAG, C_SLICED_TAG,
	C_THIN_TAG, C_ONE_BYTE_TAG,
	C_SCOPE_FIRST_VARS, C_SCOPE_NLOCALS,
	C_COUNT
};

/* Each constant's names (a later V8 may rename a field's type: the alternatives). */
static const char *const const_names[C_COUNT][2] = {
	[C_TAGGED_SIZE] = { "v8dbg_TaggedSize" },
	[C_HEAP_TAG] = { "v8dbg_HeapObjectTag" },
	[C_HEAP_TAG_MASK] = { "v8dbg_HeapObjectTagMask" },
	[C_SMI_SHIFT] = { "v8dbg_SmiShiftSize" },
	[C_FP_CONTEXT] = { "v8dbg_off_fp_context_or_frame_type", "v8dbg_off_fp_context" },
	[C_FP_FUNCTION] = { "v8dbg_off_fp_function" },
	[C_OBJ_MAP] = { "v8dbg_class_HeapObject__map__Map" },
	[C_MAP_TYPE] = { "v8dbg_class_Map__instance_type__uint16_t" },
	[C_FN_SHARED] = { "v8dbg_class_JSFunction__shared__SharedFunctionInfo" },
	[C_SFI_NAME] = { "v8dbg_class_SharedFunctionInfo__name_or_scope_info__Object" },
	[C_SFI_SCRIPT] = { "v8dbg_class_SharedFunctionInfo__script_or_debug_info__HeapObject",
			   "v8dbg_class_SharedFunctionInfo__script_or_debug_info__Object" },
	[C_SCRIPT_NAME] = { "v8dbg_class_Script__name__Object" },
	[C_STR_LEN] = { "v8dbg_class_String__length__int32_t" },
	[C_SEQ1_CHARS] = { "v8dbg_class_SeqOneByteString__chars__char" },
	[C_SEQ2_CHARS] = { "v8dbg_class_SeqTwoByteString__chars__char" },
	[C_CONS_FIRST] = { "v8dbg_class_ConsString__first__String" },
	[C_CONS_SECOND] = { "v8dbg_class_ConsString__second__String" },
	[C_THIN_ACTUAL] = { "v8dbg_class_ThinString__actual__String" },
	[C_SLICED_PARENT] = { "v8dbg_class_SlicedString__parent__String" },
	[C_SLICED_OFFSET] = { "v8dbg_class_SlicedString__offset__SMI" },
	[C_T_SFI] = { "v8dbg_type_SharedFunctionInfo__SHARED_FUNCTION_INFO_TYPE" },
	[C_T_SCOPE] = { "v8dbg_type_ScopeInfo__SCOPE_INFO_TYPE" },
	[C_T_SCRIPT] = { "v8dbg_type_Script__SCRIPT_TYPE" },
	[C_FIRST_NONSTRING] = { "v8dbg_FirstNonstringType" },
	[C_REPR_MASK] = { "v8dbg_StringRepresentationMask" },
	[C_ENC_MASK] = { "v8dbg_StringEncodingMask" },
	[C_SEQ_TAG] = { "v8dbg_SeqStringTag" },
	[C_CONS_TAG] = { "v8dbg_ConsStringTag" },
	[C_SLICED_TAG] = { "v8dbg_SlicedStringTag" },
	[C_THIN_TAG] = { "v8dbg_ThinStringTag" },
	[C_ONE_BYTE_TAG] = { "v8dbg_OneByteStringTag" },
	[C_SCOPE_FIRST_VARS] = { "v8dbg_scopeinfo_idx_first_vars" },
	[C_SCOPE_NLOCALS] = { "v8dbg_scopeinfo_idx_ncontextlocals" },
};

struct v8 {
	struct procmem *mem;
	int32_t c[C_COUNT];
	uint64_t maps[MAPS_CACHED];  /* map addresses whose type is known */
	uint16_t types[MAPS_CACHED];
	size_t nmaps;
};

/* The files that may hold V8: node, node20..., libnode.so.N. */
static int is_node_name(const char *base)
{
	return !strncmp(base, "node", 4) || !strncmp(base, "libnode.so", 10);
}

/* An rtsyms_fn: the file address of each constant into ARG (C_COUNT of them; 0: absent). */
static void find_const(const char *name, uint64_t value, uint64_t size, void *arg)
{
	uint64_t *addr = arg;
	size_t k, a;

	if (size != 4 || strncmp(name, "v8dbg_", 6))
		return;
	for (k = 0; k < C_COUNT; k++)
		for (a = 0; a < 2; a++)
			if (const_names[k][a] && !strcmp(name, const_names[k][a]) &&
			    (!addr[k] || a == 0))
				addr[k] = value;
}

/* The constants' addresses in PID, from candidate C. */
static int look_into(pid_t pid, const struct rtsyms_file *c, uint64_t addr[C_COUNT])
{
	uint64_t bias = 0;
	size_t k;
	int err;

	memset(addr, 0, C_COUNT * sizeof(*addr));
	if ((err = rtsyms_scan(pid, c, find_const, addr, &bias)))
		return err;
	for (k = 0; k < C_COUNT; k++) {
		if (!addr[k])
			return -EPROTONOSUPPORT;
		addr[k] += bias;
	}
	return 0;
}

/* Constants cprof can work with: 64-bit tagged values, V8's tags. */
static int consts_usable(const int32_t *c)
{
	return c[C_TAGGED_SIZE] == 8 && c[C_HEAP_TAG] == 1 && c[C_HEAP_TAG_MASK] == 3 &&
	       c[C_SMI_SHIFT] == 31 && c[C_OBJ_MAP] >= 0 && c[C_OBJ_MAP] <= 120 &&
	       c[C_FP_FUNCTION] < 0 && c[C_FP_FUNCTION] >= -64 &&
	       c[C_FP_CONTEXT] < 0 && c[C_FP_CONTEXT] >= -64 && c[C_REPR_MASK] > 0 &&
	       c[C_REPR_MASK] < 256 && c[C_ENC_MASK] > 0 && c[C_ENC_MASK] < 256 &&
	       c[C_SCOPE_FIRST_VARS] >= 0 && c[C_SCOPE_FIRST_VARS] < SCOPE_SLOTS &&
	       c[C_SCOPE_NLOCALS] >= 0 && c[C_SCOPE_NLOCALS] < SCOPE_SLOTS;
}

int v8_open(struct procmem *mem, v8_const_fn value, void *arg, struct v8 **out)
{
	struct v8 *v = calloc(1, sizeof(*v));
	size_t k;
	int err = v ? 0 : -ENOMEM;

	*out = NULL;
	for (k = 0; !err && k < C_COUNT; k++)
		err = value(const_names[k][0], &v->c[k], arg);
	if (!err && !consts_usable(v->c))
		err = -EPROTONOSUPPORT;
	if (err) {
		free(v);
		procmem_free(mem);
		return err;
	}
	v->mem = mem;
	procmem_set_limits(v->mem, 0, WALK_BUDGET);
	*out = v;
	return 0;
}

/* Where the constants are in a process (a v8_const_fn's ARG). */
struct at {
	struct procmem *mem;
	uint64_t addr[C_COUNT];
};

/* A v8_const_fn: the int at the constant's address in the process. */
static int read_const(const char *name, int32_t *value, void *arg)
{
	struct at *at = arg;
	uint32_t u;
	size_t k;
	int err;

	for (k = 0; k < C_COUNT && strcmp(name, const_names[k][0]); k++)
		;
	if (k == C_COUNT)
		return -ENOENT;
	err = procmem_read_u32(at->mem, at->addr[k], &u);
	*value = (int32_t)u;
	return err;
}

int v8_new(pid_t pid, struct v8 **out)
{
	struct rtsyms_file files[RTSYMS_FILES];
	struct at at;
	size_t i, nfiles;
	int err, found = 0, last = -ENOENT;

	*out = NULL;
	err = rtsyms_files(pid, is_node_name, files, &nfiles);
	if (err)
		return err;
	for (i = 0; i < nfiles && !found; i++)
		found = !(last = look_into(pid, &files[i], at.addr));
	if (!found)
		return last;
	if ((err = procmem_new(pid, &at.mem)))
		return err;
	return v8_open(at.mem, read_const, &at, out);
}

void v8_free(struct v8 *v)
{
	if (!v)
		return;
	procmem_free(v->mem);
	free(v);
}

void v8_frame_slots(const struct v8 *v, int *context, int *function)
{
	*context = v->c[C_FP_CONTEXT];
	*function = v->c[C_FP_FUNCTION];
}

static int is_heap(const struct v8 *v, uint64_t tagged)
{
	return (tagged & (uint64_t)v->c[C_HEAP_TAG_MASK]) == (uint64_t)v->c[C_HEAP_TAG] &&
	       tagged > 0xffff;
}

static uint64_t untag(const struct v8 *v, uint64_t tagged)
{
	return tagged & ~(uint64_t)v->c[C_HEAP_TAG_MASK];
}

/* The instance type of the map MAP (a tagged pointer), cached. */
static int map_type(struct v8 *v, uint64_t map, uint16_t *type)
{
	uint8_t b[2];
	size_t i;
	int err;

	if (!is_heap(v, map))
		return -ENOENT;
	for (i = 0; i < v->nmaps; i++)
		if (v->maps[i] == map) {
			*type = v->types[i];
			return 0;
		}
	if ((err = procmem_read(v->mem, untag(v, map) + (uint32_t)v->c[C_MAP_TYPE], b, 2)))
		return err;
	*type = (uint16_t)(b[0] | b[1] << 8);
	if (v->nmaps < MAPS_CACHED) {
		v->maps[v->nmaps] = map;
		v->types[v->nmaps++] = *type;
	}
	return 0;
}

/* The instance type of the object at TAGGED. */
static int obj_type(struct v8 *v, uint64_t tagged, uint16_t *type)
{
	uint64_t map;
	int err;

	if (!is_heap(v, tagged))
		return -ENOENT;
	if ((err = procmem_read_ptr(v->mem, untag(v, tagged) + (uint32_t)v->c[C_OBJ_MAP], &map)))
		return err;
	return map_type(v, map, type);
}

static uint64_t get_u64(const uint8_t *b, int32_t off)
{
	uint64_t x;

	memcpy(&x, b + off, sizeof(x));
	return x;
}

int v8_function(struct v8 *v, uint64_t context, uint64_t function, uint64_t *sfi, uint32_t *key)
{
	int32_t shared = v->c[C_FN_SHARED], nm = v->c[C_SFI_NAME], sc = v->c[C_SFI_SCRIPT];
	int32_t mp = v->c[C_OBJ_MAP], end = nm > sc ? nm : sc;
	uint8_t b[128];
	uint64_t h[3];
	uint16_t type;
	int err;

	end = end > mp ? end : mp; /* the bytes read hold the map, the name and the script */
	procmem_begin(v->mem);
	/* a typed frame holds a marker (a small integer) where a JS frame has its context */
	if (!is_heap(v, context) || !is_heap(v, function) || shared < 0 || shared > 120 ||
	    end < 0 || end > 120)
		return -ENOENT;
	if ((err = procmem_read_ptr(v->mem, untag(v, function) + (uint32_t)shared, sfi)))
		return err;
	if (!is_heap(v, *sfi))
		return -ENOENT;
	if ((err = procmem_read(v->mem, untag(v, *sfi), b, (size_t)end + 8)))
		return err;
	h[0] = get_u64(b, mp);
	if ((err = map_type(v, h[0], &type)))
		return err;
	if (type != (uint16_t)v->c[C_T_SFI])
		return -ENOENT;
	h[1] = get_u64(b, nm);
	h[2] = get_u64(b, sc);
	*key = (uint32_t)hash_bytes(h, sizeof(h), 0x76387638) | 1;
	return 0;
}

/*
 * The string at TAGGED appended to OUT[*LEN..SIZE - 1) (bytes past the
 * room are dropped: a name is cut, not refused), following DEPTH more
 * levels of cons/thin/sliced strings; FROM, COUNT: the characters wanted.
 */
static int read_string(struct v8 *v, uint64_t tagged, uint32_t from, uint32_t count, int depth,
		       char *out, size_t size, size_t *len)
{
	const int32_t *c = v->c;
	uint64_t p = untag(v, tagged), q;
	uint8_t raw[2 * V8_FILE_MAX];
	uint32_t n, i, w;
	uint16_t type, repr;
	int err;

	if (depth < 0)
		return -ELOOP;
	if ((err = obj_type(v, tagged, &type)))
		return err;
	if (type >= (uint16_t)c[C_FIRST_NONSTRING])
		return -ENOENT;
	if ((err = procmem_read_u32(v->mem, p + (uint32_t)c[C_STR_LEN], &n)))
		return err;
	if (n > (1u << 29))
		return -EFAULT;
	if (from > n)
		return 0;
	if (count > n - from)
		count = n - from;
	repr = type & (uint16_t)c[C_REPR_MASK];
	if (repr == (uint16_t)c[C_SEQ_TAG]) {
		w = (type & (uint16_t)c[C_ENC_MASK]) == (uint16_t)c[C_ONE_BYTE_TAG] ? 1 : 2;
		if (count > size - 1 - *len)
			count = (uint32_t)(size - 1 - *len);
		if (count > sizeof(raw) / w)
			count = sizeof(raw) / w;
		if (!count)
			return 0;
		if ((err = procmem_read(v->mem,
					p + (uint32_t)c[w == 1 ? C_SEQ1_CHARS : C_SEQ2_CHARS] +
						(uint64_t)from * w,
					raw, (size_t)count * w)))
			return err;
		for (i = 0; i < count; i++) {
			unsigned ch = w == 1 ? raw[i] : (unsigned)(raw[2 * i] | raw[2 * i + 1] << 8);

			out[(*len)++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
		return 0;
	}
	if (repr == (uint16_t)c[C_CONS_TAG]) {
		uint32_t n1;
		uint64_t first;

		if ((err = procmem_read_ptr(v->mem, p + (uint32_t)c[C_CONS_FIRST], &first)) ||
		    (err = procmem_read_ptr(v->mem, p + (uint32_t)c[C_CONS_SECOND], &q)) ||
		    (err = procmem_read_u32(v->mem, untag(v, first) + (uint32_t)c[C_STR_LEN], &n1)))
			return err;
		if (from < n1 && (err = read_string(v, first, from, count, depth - 1, out, size, len)))
			return err;
		if (from + count <= n1)
			return 0;
		return read_string(v, q, from > n1 ? from - n1 : 0,
				   from + count - (from > n1 ? from : n1), depth - 1, out, size, len);
	}
	if (repr == (uint16_t)c[C_THIN_TAG]) {
		if ((err = procmem_read_ptr(v->mem, p + (uint32_t)c[C_THIN_ACTUAL], &q)))
			return err;
		return read_string(v, q, from, count, depth - 1, out, size, len);
	}
	if (repr == (uint16_t)c[C_SLICED_TAG]) {
		uint64_t off;

		if ((err = procmem_read_ptr(v->mem, p + (uint32_t)c[C_SLICED_PARENT], &q)) ||
		    (err = procmem_read_ptr(v->mem, p + (uint32_t)c[C_SLICED_OFFSET], &off)))
			return err;
		off >>= 32; /* a Smi */
		if (off > (1u << 29))
			return -EFAULT;
		return read_string(v, q, from + (uint32_t)off, count, depth - 1, out, size, len);
	}
	return -EPROTONOSUPPORT; /* an external string: its characters are outside V8's heap */
}

/* The whole string at TAGGED into OUT (SIZE bytes, NUL-terminated). */
static int string_at(struct v8 *v, uint64_t tagged, char *out, size_t size)
{
	size_t len = 0;
	int err = read_string(v, tagged, 0, UINT32_MAX, V8_STRING_DEPTH, out, size, &len);

	out[len] = '\0';
	return err;
}

/* The function name a ScopeInfo at TAGGED holds: the first string past its context locals. */
static int scope_name(struct v8 *v, uint64_t tagged, char *out, size_t size)
{
	uint64_t s[SCOPE_SLOTS];
	size_t i;
	int err;

	if ((err = procmem_read(v->mem, untag(v, tagged) + 8, s, sizeof(s))))
		return err;
	i = (size_t)v->c[C_SCOPE_FIRST_VARS];
	if (!(s[v->c[C_SCOPE_NLOCALS]] & 1)) /* a Smi: the count of context locals */
		i += 2 * (s[v->c[C_SCOPE_NLOCALS]] >> 32);
	for (; i < SCOPE_SLOTS; i++)
		if (is_heap(v, s[i]) && !string_at(v, s[i], out, size) && out[0])
			return 0;
	out[0] = '\0';
	return -ENOENT;
}

int v8_names(struct v8 *v, uint64_t sfi, char name[V8_NAME_MAX], char file[V8_FILE_MAX])
{
	uint64_t nos, script, sname;
	uint16_t type;
	int err;

	procmem_begin(v->mem);
	name[0] = file[0] = '\0';
	if ((err = obj_type(v, sfi, &type)))
		return err;
	if (type != (uint16_t)v->c[C_T_SFI])
		return -ENOENT;
	if ((err = procmem_read_ptr(v->mem, untag(v, sfi) + (uint32_t)v->c[C_SFI_NAME], &nos)) ||
	    (err = procmem_read_ptr(v->mem, untag(v, sfi) + (uint32_t)v->c[C_SFI_SCRIPT], &script)))
		return err;
	if (is_heap(v, nos) && !obj_type(v, nos, &type)) {
		if (type == (uint16_t)v->c[C_T_SCOPE])
			scope_name(v, nos, name, V8_NAME_MAX);
		else if (type < (uint16_t)v->c[C_FIRST_NONSTRING])
			string_at(v, nos, name, V8_NAME_MAX);
	}
	if (!name[0])
		snprintf(name, V8_NAME_MAX, "(anonymous)");
	if (is_heap(v, script) && !obj_type(v, script, &type) &&
	    type == (uint16_t)v->c[C_T_SCRIPT] &&
	    !procmem_read_ptr(v->mem, untag(v, script) + (uint32_t)v->c[C_SCRIPT_NAME], &sname) &&
	    is_heap(v, sname) && string_at(v, sname, file, V8_FILE_MAX))
		file[0] = '\0';
	return 0;
}
