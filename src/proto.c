/* proto.c: the queue wire protocol codec (docs/protocol.md).
 *
 * Messages with fixed members (HELLO .. REQUEST, HEARTBEAT, ERROR) are
 * described by member tables (struct schema) that drive one decoder and
 * one encoder; task lists (BUNDLE, RESULTS) by field lists over the task
 * columns. Every check is shared by both directions, so the encoders
 * never produce a message the decoders refuse.
 */
#include "proto.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "jsonw.h"
#include "tag.h"
#include "timestamp.h"
#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FRAME_MIN 3            /* the type byte and "{}" */
#define VERSION_MAX 65535      /* largest major or minor */
#define HOST_MIN 1
#define CODE_MIN 1
#define SLOTS_MAX 100000
#define RUNNING_MAX 1000000
#define HEARTRATE_MAX 3600.0
#define EVICT_MAX 31536000.0   /* a year */
#define B64_MAXLEN 64          /* base64 text of up to 48 bytes */

/* --- errors ------------------------------------------------------------- */

/* Write a one-line reason (control and non-ASCII bytes replaced, since
 * it may quote the peer) and return HS_EINPUT. */
static hs_err __attribute__((format(printf, 3, 4)))
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return HS_EINPUT;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (char *p = err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return HS_EINPUT;
}

/* Put "what: " in front of the reason already in err. */
static void
prefix(char *err, size_t errlen, const char *what)
{
	char tmp[HS_PROTO_ERR];

	if (err == NULL || errlen == 0)
		return;
	snprintf(tmp, sizeof tmp, "%s", err);
	snprintf(err, errlen, "%s: %s", what, tmp);
}

/* --- frames ------------------------------------------------------------- */

static const char *const msg_names[HS_MSG_MAX + 1] = {
	[HS_MSG_HELLO] = "HELLO", [HS_MSG_CHALLENGE] = "CHALLENGE",
	[HS_MSG_AUTH] = "AUTH", [HS_MSG_WELCOME] = "WELCOME",
	[HS_MSG_REQUEST] = "REQUEST", [HS_MSG_BUNDLE] = "BUNDLE",
	[HS_MSG_CONFIRM] = "CONFIRM", [HS_MSG_RESULTS] = "RESULTS",
	[HS_MSG_ACK] = "ACK", [HS_MSG_HEARTBEAT] = "HEARTBEAT",
	[HS_MSG_DRAIN] = "DRAIN", [HS_MSG_BYE] = "BYE", [HS_MSG_ERROR] = "ERROR",
	[HS_MSG_STARTED] = "STARTED", [HS_MSG_SUBMIT] = "SUBMIT",
};

static bool
type_known(unsigned type)
{
	return type >= HS_MSG_HELLO && type <= HS_MSG_MAX;
}

const char *
hs_msg_name(enum hs_msg_type type)
{
	return type_known((unsigned)type) ? msg_names[type] : "UNKNOWN";
}

hs_err
hs_frame_decode(const unsigned char *buf, size_t len, size_t cap,
                struct hs_frame *out, size_t *consumed)
{
	uint32_t n;

	*consumed = 0;
	if (len < HS_FRAME_HEADER)
		return HS_OK;
	n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	    (uint32_t)buf[2] << 8 | (uint32_t)buf[3];
	if (n < FRAME_MIN)
		return HS_EINPUT;
	if (n > cap)
		return HS_ELIMIT;
	if (len > HS_FRAME_HEADER && !type_known(buf[HS_FRAME_HEADER]))
		return HS_EINPUT;
	if (len - HS_FRAME_HEADER < n)
		return HS_OK;
	out->type = (enum hs_msg_type)buf[HS_FRAME_HEADER];
	out->payload = (const char *)buf + HS_FRAME_HEADER + 1;
	out->len = n - 1;
	*consumed = HS_FRAME_HEADER + (size_t)n;
	return HS_OK;
}

/* Append the header of a frame of type whose payload will follow; the
 * length is filled in by frame_finish. */
static hs_err
frame_begin(struct hs_buf *out, enum hs_msg_type type, size_t len)
{
	unsigned char head[HS_FRAME_HEADER + 1] = {0, 0, 0, 0, (unsigned char)type};
	hs_err e;

	if (!type_known((unsigned)type))
		return HS_EINPUT;
	/* Reserve first so the frame goes in whole or not at all. */
	if ((e = hs_buf_reserve(out, sizeof head + len)) != HS_OK)
		return e;
	return hs_buf_append(out, head, sizeof head);
}

/* Write the length of the frame begun at offset at; drop it if too long. */
static hs_err
frame_finish(struct hs_buf *out, size_t at)
{
	size_t len = out->len - at - HS_FRAME_HEADER;   /* type byte + payload */
	unsigned char *head = (unsigned char *)out->data + at;

	if (len > HS_FRAME_ABSMAX) {
		hs_buf_truncate(out, at);
		return HS_ELIMIT;
	}
	head[0] = (unsigned char)(len >> 24);
	head[1] = (unsigned char)(len >> 16);
	head[2] = (unsigned char)(len >> 8);
	head[3] = (unsigned char)len;
	return HS_OK;
}

hs_err
hs_frame_encode(struct hs_buf *out, enum hs_msg_type type, const char *payload,
                size_t len)
{
	size_t at = out->len;
	hs_err e;

	if (len > HS_FRAME_ABSMAX - 1)
		return HS_ELIMIT;
	if ((e = frame_begin(out, type, len)) != HS_OK)
		return e;
	if ((e = hs_buf_append(out, payload, len)) != HS_OK)
		return e;
	return frame_finish(out, at);
}

/* --- JSON payloads ------------------------------------------------------ */

/* Parse f's payload into *root, a JSON object, if f's type is in types
 * (a mask of 1 << type). */
static hs_err
load(const struct hs_frame *f, unsigned types, json_t **root, char *err,
     size_t errlen)
{
	json_error_t je;

	*root = NULL;
	if (!type_known((unsigned)f->type) || !(types & (1u << f->type)))
		return bad(err, errlen, "unexpected %s message", hs_msg_name(f->type));
	*root = json_loadb(f->payload, f->len, JSON_REJECT_DUPLICATES, &je);
	if (*root == NULL)
		return bad(err, errlen, "invalid JSON at byte %d: %s", je.position,
		           je.text);
	if (json_is_object(*root))
		return HS_OK;
	json_decref(*root);
	*root = NULL;
	return bad(err, errlen, "the payload is not a JSON object");
}

struct dump {
	struct hs_buf *out;
	hs_err e;
};

static int
dump_to(const char *p, size_t n, void *arg)
{
	struct dump *d = arg;

	return (d->e = hs_buf_append(d->out, p, n)) == HS_OK ? 0 : -1;
}

/* Append v as compact JSON text, straight into out (no copy of the whole
 * text on the way); on failure out is as it was. */
static hs_err
dump_json(struct hs_buf *out, json_t *v)
{
	struct dump d = {out, HS_OK};
	size_t at = out->len;

	if (json_dump_callback(v, dump_to, &d, JSON_COMPACT) == 0)
		return HS_OK;
	hs_buf_truncate(out, at);
	return d.e != HS_OK ? d.e : HS_ENOMEM;
}

/* Append type's frame holding root as compact JSON; takes root. */
static hs_err
send_json(struct hs_buf *out, enum hs_msg_type type, json_t *root)
{
	size_t at = out->len;
	hs_err e = root ? frame_begin(out, type, 0) : HS_ENOMEM;

	if (e == HS_OK && (e = dump_json(out, root)) != HS_OK)
		hs_buf_truncate(out, at);
	if (e == HS_OK)
		e = frame_finish(out, at);
	json_decref(root);
	return e;
}

/* Append type's frame {"name":[...]} of the n items item() writes, whole
 * or not at all. The messages sent per task are written this way, with
 * jsonw (see jsonw.h for why not with jansson). */
static hs_err
enc_list(struct hs_buf *out, enum hs_msg_type type, const char *name, size_t n,
         hs_err (*item)(struct hs_buf *, const void *, size_t), const void *arg)
{
	size_t at = out->len;
	hs_err e;

	if (n > HS_PROTO_MAX_TASKS)
		return HS_ELIMIT;
	e = frame_begin(out, type, 0);
	if (e == HS_OK && (e = hs_buf_putc(out, '{')) == HS_OK &&
	    (e = jsonw_key(out, true, name)) == HS_OK)
		e = hs_buf_putc(out, '[');
	for (size_t i = 0; i < n && e == HS_OK; i++)
		if (i == 0 || (e = hs_buf_putc(out, ',')) == HS_OK)
			e = item(out, arg, i);
	if (e == HS_OK)
		e = hs_buf_append(out, "]}", 2);
	if (e == HS_OK)
		return frame_finish(out, at);
	hs_buf_truncate(out, at);
	return e;
}

/* Add v (taken) to obj under name. */
static hs_err
put(json_t *obj, const char *name, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, name, v) != 0)
		return HS_ENOMEM;
	return HS_OK;
}

/* The member of obj called name if it is obj's only member. */
static json_t *
sole_member(json_t *obj, const char *name, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);

	if (v == NULL)
		bad(err, errlen, "missing \"%s\"", name);
	else if (json_object_size(obj) != 1)
		bad(err, errlen, "unknown member beside \"%s\"", name);
	else
		return v;
	return NULL;
}

/* --- shared value checks ------------------------------------------------ */

static bool
printable(int c)
{
	return c >= 0x20 && c != 0x7f;
}

static bool
code_char(int c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

/* True if s[0..len) is UTF-8 of characters that ok accepts. */
static bool
text_ok(const char *s, size_t len, bool (*ok)(int))
{
	for (size_t i = 0; i < len; i++)
		if (!ok((unsigned char)s[i]))
			return false;
	return hs_utf8_valid(s, len, NULL);
}

/* True if s is a time in the canonical text form (timestamp.h). */
static bool
time_canonical(const char *s, size_t len)
{
	char canon[HS_TS_LEN + 1];
	int64_t us;

	if (len != HS_TS_LEN || !hs_ts_parse(s, &us))
		return false;
	hs_ts_format(us, canon);
	return memcmp(canon, s, HS_TS_LEN) == 0;
}

static bool
uuid_ok(const char *s, size_t len)
{
	return len == HS_UUID_STRLEN && hs_uuid_valid(s);
}

/* Strict base64 of exactly n bytes (n <= 48): the canonical padded text,
 * so every value has one spelling. */
static bool
b64_decode(const char *s, size_t len, unsigned char *out, size_t n)
{
	unsigned char raw[B64_MAXLEN], again[B64_MAXLEN + 1];
	size_t want = 4 * ((n + 2) / 3);

	if (len != want || want > B64_MAXLEN)
		return false;
	if (EVP_DecodeBlock(raw, (const unsigned char *)s, (int)len) < (int)n)
		return false;
	EVP_EncodeBlock(again, raw, (int)n);
	if (memcmp(again, s, len) != 0)
		return false;
	memcpy(out, raw, n);
	return true;
}

static json_t *
b64_json(const unsigned char *p, size_t n)
{
	unsigned char text[B64_MAXLEN + 1];

	if (4 * ((n + 2) / 3) > B64_MAXLEN)
		return NULL;
	EVP_EncodeBlock(text, p, (int)n);
	return json_string((const char *)text);
}

/* --- fixed-member messages ---------------------------------------------- */

enum kind {
	K_VERSION,  /* [major, minor]: ints at off and off2, lo..hi */
	K_B64,      /* base64 of the size bytes at off */
	K_UUID,     /* UUID text into char[size] */
	K_STR,      /* lo..size-1 bytes that ch accepts into char[size] */
	K_INT,      /* int, lo..hi */
	K_U32,      /* uint32_t, lo..hi */
	K_SECONDS,  /* double, over lo, at most hi */
};

struct member {
	const char *name;   /* JSON member name */
	enum kind kind;
	size_t off, size;   /* where the value sits in the message struct */
	size_t off2;        /* K_VERSION: offset of minor */
	double lo, hi;      /* bounds, as the kind reads them */
	bool (*ch)(int c);  /* K_STR: the characters allowed */
};

struct schema {
	enum hs_msg_type type;
	const struct member *m;
	size_t n;
	size_t size;        /* of the message struct */
	bool versioned;     /* m[0] is the version (HELLO, CHALLENGE) */
};

#define AT(T, base, m) ((T *)field_at(base, (m)->off))
#define CAT(T, base, m) ((const T *)cfield_at(base, (m)->off))
#define FIELD(T, f) .off = offsetof(T, f), .size = sizeof(((T *)0)->f)

/* The member at off in a message struct (off comes from offsetof). */
static void *
field_at(void *base, size_t off)
{
	return (char *)base + off;
}

static const void *
cfield_at(const void *base, size_t off)
{
	return (const char *)base + off;
}

static bool
in_range(const struct member *m, double v)
{
	if (m->kind == K_SECONDS)
		return v > m->lo && v <= m->hi;
	return v >= m->lo && v <= m->hi;
}

static hs_err
dec_version(json_t *v, const struct member *m, void *base, char *err,
            size_t errlen)
{
	json_t *a = json_array_get(v, 0), *b = json_array_get(v, 1);

	if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(a) ||
	    !json_is_integer(b) || !in_range(m, (double)json_integer_value(a)) ||
	    !in_range(m, (double)json_integer_value(b)))
		return bad(err, errlen, "\"%s\" must be [major, minor] (0..%d)",
		           m->name, VERSION_MAX);
	*AT(int, base, m) = (int)json_integer_value(a);
	*(int *)field_at(base, m->off2) = (int)json_integer_value(b);
	return HS_OK;
}

static hs_err
enc_version(const struct member *m, const void *base, json_t **out)
{
	int major = *CAT(int, base, m);
	int minor = *(const int *)cfield_at(base, m->off2);

	if (!in_range(m, major) || !in_range(m, minor))
		return HS_EINPUT;
	*out = json_pack("[ii]", major, minor);
	return *out ? HS_OK : HS_ENOMEM;
}

static hs_err
dec_b64(json_t *v, const struct member *m, void *base, char *err, size_t errlen)
{
	if (!json_is_string(v) ||
	    !b64_decode(json_string_value(v), json_string_length(v),
	                AT(unsigned char, base, m), m->size))
		return bad(err, errlen, "\"%s\" must be base64 of %zu bytes", m->name,
		           m->size);
	return HS_OK;
}

static hs_err
enc_b64(const struct member *m, const void *base, json_t **out)
{
	*out = b64_json(CAT(unsigned char, base, m), m->size);
	return *out ? HS_OK : HS_ENOMEM;
}

static hs_err
dec_uuid(json_t *v, const struct member *m, void *base, char *err,
         size_t errlen)
{
	if (!json_is_string(v) ||
	    !uuid_ok(json_string_value(v), json_string_length(v)))
		return bad(err, errlen, "\"%s\" must be a UUID", m->name);
	memcpy(AT(char, base, m), json_string_value(v), HS_UUID_STRLEN + 1);
	return HS_OK;
}

static hs_err
enc_uuid(const struct member *m, const void *base, json_t **out)
{
	const char *s = CAT(char, base, m);

	if (!uuid_ok(s, strnlen(s, m->size)))
		return HS_EINPUT;
	*out = json_string(s);
	return *out ? HS_OK : HS_ENOMEM;
}

static bool
str_ok(const struct member *m, const char *s, size_t len)
{
	return len >= m->lo && len < m->size && text_ok(s, len, m->ch);
}

static hs_err
dec_str(json_t *v, const struct member *m, void *base, char *err, size_t errlen)
{
	size_t len = json_string_length(v);

	if (!json_is_string(v) || !str_ok(m, json_string_value(v), len))
		return bad(err, errlen, "\"%s\" must be %g to %zu bytes of %s",
		           m->name, m->lo, m->size - 1,
		           m->ch == code_char ? "[a-z_]" : "printable UTF-8");
	memcpy(AT(char, base, m), json_string_value(v), len + 1);
	return HS_OK;
}

static hs_err
enc_str(const struct member *m, const void *base, json_t **out)
{
	const char *s = CAT(char, base, m);

	if (!str_ok(m, s, strnlen(s, m->size)))
		return HS_EINPUT;
	*out = json_string(s);
	return *out ? HS_OK : HS_ENOMEM;
}

/* An integer member's value, range-checked, or false. */
static bool
get_int(json_t *v, const struct member *m, json_int_t *out)
{
	if (!json_is_integer(v) || !in_range(m, (double)json_integer_value(v)))
		return false;
	*out = json_integer_value(v);
	return true;
}

static hs_err
dec_int(json_t *v, const struct member *m, void *base, char *err, size_t errlen)
{
	json_int_t i;

	if (!get_int(v, m, &i))
		return bad(err, errlen, "\"%s\" must be an integer from %.0f to %.0f",
		           m->name, m->lo, m->hi);
	if (m->kind == K_U32)
		*AT(uint32_t, base, m) = (uint32_t)i;
	else
		*AT(int, base, m) = (int)i;
	return HS_OK;
}

static hs_err
enc_int(const struct member *m, const void *base, json_t **out)
{
	json_int_t i = m->kind == K_U32 ? (json_int_t)*CAT(uint32_t, base, m)
	                                : (json_int_t)*CAT(int, base, m);

	if (!in_range(m, (double)i))
		return HS_EINPUT;
	*out = json_integer(i);
	return *out ? HS_OK : HS_ENOMEM;
}

static hs_err
dec_seconds(json_t *v, const struct member *m, void *base, char *err,
            size_t errlen)
{
	if (!json_is_number(v) || !in_range(m, json_number_value(v)))
		return bad(err, errlen, "\"%s\" must be seconds over %g, at most %g",
		           m->name, m->lo, m->hi);
	*AT(double, base, m) = json_number_value(v);
	return HS_OK;
}

static hs_err
enc_seconds(const struct member *m, const void *base, json_t **out)
{
	double d = *CAT(double, base, m);

	if (!isfinite(d) || !in_range(m, d))
		return HS_EINPUT;
	*out = json_real(d);
	return *out ? HS_OK : HS_ENOMEM;
}

static const struct {
	hs_err (*dec)(json_t *v, const struct member *m, void *base, char *err,
	              size_t errlen);
	hs_err (*enc)(const struct member *m, const void *base, json_t **out);
} kinds[] = {
	[K_VERSION] = {dec_version, enc_version},
	[K_B64] = {dec_b64, enc_b64},
	[K_UUID] = {dec_uuid, enc_uuid},
	[K_STR] = {dec_str, enc_str},
	[K_INT] = {dec_int, enc_int},
	[K_U32] = {dec_int, enc_int},
	[K_SECONDS] = {dec_seconds, enc_seconds},
};

static const struct member *
find_member(const struct schema *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->m[i].name, name) == 0)
			return &s->m[i];
	return NULL;
}

/* True if obj is a HELLO or CHALLENGE of another major: past "version" it
 * need not follow this version's schema. */
static bool
other_major(json_t *obj, const struct schema *s, void *base)
{
	json_t *v = json_object_get(obj, s->m[0].name);

	return s->versioned && v != NULL &&
	       dec_version(v, &s->m[0], base, NULL, 0) == HS_OK &&
	       *AT(int, base, &s->m[0]) != HS_PROTO_MAJOR;
}

/* Decode obj into base (zeroed): exactly s's members. */
static hs_err
dec_members(json_t *obj, const struct schema *s, void *base, char *err,
            size_t errlen)
{
	const char *key;
	json_t *v;
	hs_err e;

	if (other_major(obj, s, base))
		return HS_OK;
	json_object_foreach(obj, key, v)
		if (find_member(s, key) == NULL)
			return bad(err, errlen, "unknown member \"%.40s\"", key);
	for (size_t i = 0; i < s->n; i++) {
		if ((v = json_object_get(obj, s->m[i].name)) == NULL)
			return bad(err, errlen, "missing \"%s\"", s->m[i].name);
		if ((e = kinds[s->m[i].kind].dec(v, &s->m[i], base, err, errlen)) != HS_OK)
			return e;
	}
	return HS_OK;
}


/* Decode f, a message of s's type, into base. */
static hs_err
dec_fixed(const struct hs_frame *f, const struct schema *s, void *base,
          char *err, size_t errlen)
{
	json_t *root = NULL;
	hs_err e;

	memset(base, 0, s->size);
	if ((e = load(f, 1u << s->type, &root, err, errlen)) == HS_OK)
		e = dec_members(root, s, base, err, errlen);
	if (e != HS_OK)
		prefix(err, errlen, hs_msg_name(s->type));
	json_decref(root);
	return e;
}

/* Append the frame of s's type holding base. */
static hs_err
enc_fixed(struct hs_buf *out, const struct schema *s, const void *base)
{
	json_t *obj = json_object(), *v = NULL;
	hs_err e = obj ? HS_OK : HS_ENOMEM;

	for (size_t i = 0; i < s->n && e == HS_OK; i++)
		if ((e = kinds[s->m[i].kind].enc(&s->m[i], base, &v)) == HS_OK)
			e = put(obj, s->m[i].name, v);
	if (e != HS_OK) {
		json_decref(obj);
		return e;
	}
	return send_json(out, s->type, obj);
}

#define VERSION(T) {.name = "version", .kind = K_VERSION, FIELD(T, major), \
	.off2 = offsetof(T, minor), .lo = 0, .hi = VERSION_MAX}
#define HOST(T) {.name = "host", .kind = K_STR, FIELD(T, host), \
	.lo = HOST_MIN, .ch = printable}

static const struct member hello_m[] = {
	VERSION(struct hs_msg_hello),
	{.name = "nonce", .kind = K_B64, FIELD(struct hs_msg_hello, nonce)},
};
static const struct member challenge_m[] = {
	VERSION(struct hs_msg_challenge),
	{.name = "nonce", .kind = K_B64, FIELD(struct hs_msg_challenge, nonce)},
	{.name = "proof", .kind = K_B64, FIELD(struct hs_msg_challenge, proof)},
};
static const struct member auth_m[] = {
	{.name = "proof", .kind = K_B64, FIELD(struct hs_msg_auth, proof)},
	{.name = "client_id", .kind = K_UUID, FIELD(struct hs_msg_auth, client_id)},
	HOST(struct hs_msg_auth),
	{.name = "slots", .kind = K_INT, FIELD(struct hs_msg_auth, slots),
	 .lo = 0, .hi = SLOTS_MAX},
};
static const struct member welcome_m[] = {
	{.name = "server_id", .kind = K_UUID,
	 FIELD(struct hs_msg_welcome, server_id)},
	HOST(struct hs_msg_welcome),
	{.name = "heartrate", .kind = K_SECONDS,
	 FIELD(struct hs_msg_welcome, heartrate), .lo = 0, .hi = HEARTRATE_MAX},
	{.name = "evict", .kind = K_SECONDS, FIELD(struct hs_msg_welcome, evict),
	 .lo = 0, .hi = EVICT_MAX},
	{.name = "frame_max", .kind = K_U32,
	 FIELD(struct hs_msg_welcome, frame_max), .lo = HS_FRAME_PREAUTH,
	 .hi = HS_FRAME_ABSMAX},
	{.name = "resumed", .kind = K_INT, FIELD(struct hs_msg_welcome, resumed), .lo = 0, .hi = 1},
};
static const struct member request_m[] = {
	{.name = "want", .kind = K_INT, FIELD(struct hs_msg_request, want),
	 .lo = 1, .hi = HS_PROTO_MAX_TASKS},
};
static const struct member heartbeat_m[] = {
	{.name = "state", .kind = K_INT, FIELD(struct hs_msg_heartbeat, state),
	 .lo = HS_STATE_RUNNING, .hi = HS_STATE_FINISHED},
	{.name = "running", .kind = K_INT, FIELD(struct hs_msg_heartbeat, running),
	 .lo = 0, .hi = RUNNING_MAX},
};
static const struct member error_m[] = {
	{.name = "code", .kind = K_STR, FIELD(struct hs_msg_error, code),
	 .lo = CODE_MIN, .ch = code_char},
	{.name = "message", .kind = K_STR, FIELD(struct hs_msg_error, message),
	 .lo = 0, .ch = printable},
};

#define SCHEMA(t, m, T, v) {t, m, NELEM(m), sizeof(T), v}
static const struct schema hello_s =
	SCHEMA(HS_MSG_HELLO, hello_m, struct hs_msg_hello, true);
static const struct schema challenge_s =
	SCHEMA(HS_MSG_CHALLENGE, challenge_m, struct hs_msg_challenge, true);
static const struct schema auth_s =
	SCHEMA(HS_MSG_AUTH, auth_m, struct hs_msg_auth, false);
static const struct schema welcome_s =
	SCHEMA(HS_MSG_WELCOME, welcome_m, struct hs_msg_welcome, false);
static const struct schema request_s =
	SCHEMA(HS_MSG_REQUEST, request_m, struct hs_msg_request, false);
static const struct schema heartbeat_s =
	SCHEMA(HS_MSG_HEARTBEAT, heartbeat_m, struct hs_msg_heartbeat, false);
static const struct schema error_s =
	SCHEMA(HS_MSG_ERROR, error_m, struct hs_msg_error, false);

hs_err
hs_enc_hello(struct hs_buf *out, const struct hs_msg_hello *m)
{
	return enc_fixed(out, &hello_s, m);
}

hs_err
hs_enc_challenge(struct hs_buf *out, const struct hs_msg_challenge *m)
{
	return enc_fixed(out, &challenge_s, m);
}

hs_err
hs_enc_auth(struct hs_buf *out, const struct hs_msg_auth *m)
{
	return enc_fixed(out, &auth_s, m);
}

hs_err
hs_enc_welcome(struct hs_buf *out, const struct hs_msg_welcome *m)
{
	return enc_fixed(out, &welcome_s, m);
}

hs_err
hs_enc_request(struct hs_buf *out, const struct hs_msg_request *m)
{
	return enc_fixed(out, &request_s, m);
}

hs_err
hs_enc_heartbeat(struct hs_buf *out, const struct hs_msg_heartbeat *m)
{
	return enc_fixed(out, &heartbeat_s, m);
}

hs_err
hs_enc_error(struct hs_buf *out, const struct hs_msg_error *m)
{
	return enc_fixed(out, &error_s, m);
}

hs_err
hs_dec_hello(const struct hs_frame *f, struct hs_msg_hello *m, char *err,
             size_t errlen)
{
	return dec_fixed(f, &hello_s, m, err, errlen);
}

hs_err
hs_dec_challenge(const struct hs_frame *f, struct hs_msg_challenge *m,
                 char *err, size_t errlen)
{
	return dec_fixed(f, &challenge_s, m, err, errlen);
}

hs_err
hs_dec_auth(const struct hs_frame *f, struct hs_msg_auth *m, char *err,
            size_t errlen)
{
	return dec_fixed(f, &auth_s, m, err, errlen);
}

hs_err
hs_dec_welcome(const struct hs_frame *f, struct hs_msg_welcome *m, char *err,
               size_t errlen)
{
	return dec_fixed(f, &welcome_s, m, err, errlen);
}

hs_err
hs_dec_request(const struct hs_frame *f, struct hs_msg_request *m, char *err,
               size_t errlen)
{
	return dec_fixed(f, &request_s, m, err, errlen);
}

hs_err
hs_dec_heartbeat(const struct hs_frame *f, struct hs_msg_heartbeat *m,
                 char *err, size_t errlen)
{
	return dec_fixed(f, &heartbeat_s, m, err, errlen);
}

hs_err
hs_dec_error(const struct hs_frame *f, struct hs_msg_error *m, char *err,
             size_t errlen)
{
	return dec_fixed(f, &error_s, m, err, errlen);
}

/* --- DRAIN, BYE --------------------------------------------------------- */

#define EMPTY_TYPES (1u << HS_MSG_DRAIN | 1u << HS_MSG_BYE)

hs_err
hs_enc_empty(struct hs_buf *out, enum hs_msg_type type)
{
	if (!type_known((unsigned)type) || !(EMPTY_TYPES & (1u << type)))
		return HS_EINPUT;
	return hs_frame_encode(out, type, "{}", 2);
}

hs_err
hs_dec_empty(const struct hs_frame *f, char *err, size_t errlen)
{
	json_t *root = NULL;
	hs_err e;

	if ((e = load(f, EMPTY_TYPES, &root, err, errlen)) == HS_OK &&
	    json_object_size(root) != 0)
		e = bad(err, errlen, "the payload must be {}");
	if (e != HS_OK)
		prefix(err, errlen, hs_msg_name(f->type));
	json_decref(root);
	return e;
}

/* --- CONFIRM, ACK, STARTED --------------------------------------------- */

#define IDS_TYPES (1u << HS_MSG_CONFIRM | 1u << HS_MSG_ACK | 1u << HS_MSG_STARTED)

static hs_err
enc_id(struct hs_buf *out, const void *ids, size_t i)
{
	return jsonw_string(out, ((const char *const *)ids)[i], HS_UUID_STRLEN);
}

/* Append type's frame {"ids":[...]} of n UUIDs. */
hs_err
hs_enc_ids(struct hs_buf *out, enum hs_msg_type type, const char *const *ids,
           size_t n)
{
	if (!type_known((unsigned)type) || !(IDS_TYPES & (1u << type)))
		return HS_EINPUT;
	if (n > HS_PROTO_MAX_TASKS)
		return HS_ELIMIT;
	for (size_t i = 0; i < n; i++)
		if (ids[i] == NULL || !uuid_ok(ids[i], strlen(ids[i])))
			return HS_EINPUT;
	return enc_list(out, type, "ids", n, enc_id, ids);
}

/* Check arr, the "ids" array, and point m->ids into it. */
static hs_err
dec_id_list(json_t *arr, struct hs_msg_ids *m, char *err, size_t errlen)
{
	size_t n = json_array_size(arr);
	json_t *v;

	if (!json_is_array(arr) || n > HS_PROTO_MAX_TASKS)
		return bad(err, errlen, "\"ids\" must be an array of at most %d "
		           "UUIDs", HS_PROTO_MAX_TASKS);
	if ((m->ids = calloc(n ? n : 1, sizeof *m->ids)) == NULL)
		return HS_ENOMEM;
	for (m->n = 0; m->n < n; m->n++) {
		v = json_array_get(arr, m->n);
		if (!json_is_string(v) ||
		    !uuid_ok(json_string_value(v), json_string_length(v)))
			return bad(err, errlen, "\"ids\"[%zu] is not a UUID", m->n);
		m->ids[m->n] = json_string_value(v);
	}
	return HS_OK;
}

hs_err
hs_dec_ids(const struct hs_frame *f, struct hs_msg_ids *m, char *err,
           size_t errlen)
{
	json_t *arr;
	hs_err e;

	memset(m, 0, sizeof *m);
	if ((e = load(f, IDS_TYPES, &m->root, err, errlen)) != HS_OK)
		goto out;
	if ((arr = sole_member(m->root, "ids", err, errlen)) == NULL)
		e = HS_EINPUT;
	else
		e = dec_id_list(arr, m, err, errlen);
out:
	if (e != HS_OK) {
		prefix(err, errlen, hs_msg_name(f->type));
		hs_msg_ids_free(m);
	}
	return e;
}

void
hs_msg_ids_free(struct hs_msg_ids *m)
{
	if (m == NULL)
		return;
	json_decref(m->root);
	free(m->ids);
	memset(m, 0, sizeof *m);
}

/* --- BUNDLE, RESULTS ---------------------------------------------------- */

const int hs_proto_bundle_fields[] = {
	HS_F_ID, HS_F_GROUP, HS_F_ARGS, HS_F_SUBMIT_ID, HS_F_SUBMIT_TIME,
	HS_F_SUBMIT_HOST, HS_F_CORES, HS_F_MEMORY, HS_F_TIMEOUT, HS_F_SERVER_ID,
	HS_F_SERVER_HOST, HS_F_SCHEDULE_TIME, HS_F_CLIENT_ID, HS_F_CLIENT_HOST,
	HS_F_ATTEMPT, HS_F_RETRIED, HS_F_PREVIOUS_ID, HS_F_TAG,
};
const size_t hs_proto_nbundle_fields = NELEM(hs_proto_bundle_fields);

const int hs_proto_result_fields[] = {
	HS_F_ID, HS_F_SCHEDULE_TIME, HS_F_COMMAND, HS_F_START_TIME,
	HS_F_COMPLETION_TIME, HS_F_EXIT_STATUS, HS_F_OUTPATH, HS_F_ERRPATH,
	HS_F_CSVPATH, HS_F_WAITED, HS_F_DURATION, HS_F_CORES_MAX, HS_F_MEMORY_MAX,
};
const size_t hs_proto_nresult_fields = NELEM(hs_proto_result_fields);

const int hs_proto_submit_fields[] = {
	HS_F_ID, HS_F_GROUP, HS_F_ARGS, HS_F_SUBMIT_ID, HS_F_SUBMIT_TIME,
	HS_F_SUBMIT_HOST, HS_F_CORES, HS_F_MEMORY, HS_F_TIMEOUT, HS_F_TAG,
};
const size_t hs_proto_nsubmit_fields = NELEM(hs_proto_submit_fields);

static const int bundle_required[] = {
	HS_F_ID, HS_F_ARGS, HS_F_ATTEMPT, HS_F_SCHEDULE_TIME, HS_F_TAG,
};
static const int result_required[] = {
	HS_F_ID, HS_F_SCHEDULE_TIME, HS_F_EXIT_STATUS, HS_F_COMPLETION_TIME,
};
static const int submit_required[] = {
	HS_F_ID, HS_F_ARGS, HS_F_SUBMIT_ID, HS_F_SUBMIT_TIME, HS_F_SUBMIT_HOST, HS_F_TAG,
};

/* The task columns one message carries. */
struct task_schema {
	enum hs_msg_type type;
	const char *list;              /* the array's member name */
	const int *fields, *required;
	size_t nfields, nrequired;
};

static const struct task_schema bundle_ts = {
	HS_MSG_BUNDLE, "tasks", hs_proto_bundle_fields, bundle_required,
	NELEM(hs_proto_bundle_fields), NELEM(bundle_required),
};
static const struct task_schema result_ts = {
	HS_MSG_RESULTS, "results", hs_proto_result_fields, result_required,
	NELEM(hs_proto_result_fields), NELEM(result_required),
};
static const struct task_schema submit_ts = {
	HS_MSG_SUBMIT, "tasks", hs_proto_submit_fields, submit_required,
	NELEM(hs_proto_submit_fields), NELEM(submit_required),
};

/* The task schema of type, or NULL. */
static const struct task_schema *
task_schema_of(enum hs_msg_type type)
{
	switch (type) {
	case HS_MSG_BUNDLE: return &bundle_ts;
	case HS_MSG_RESULTS: return &result_ts;
	case HS_MSG_SUBMIT: return &submit_ts;
	default: return NULL;
	}
}

static bool
in_list(int field, const int *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == field)
			return true;
	return false;
}

static size_t
text_max(int field)
{
	if (field == HS_F_ARGS || field == HS_F_COMMAND)
		return HS_PROTO_ARGS_MAX;
	return HS_PROTO_TEXT_MAX;
}

/* Why s (len bytes) cannot be field's text, or NULL. */
static const char *
text_problem(int field, const char *s, size_t len)
{
	switch (hs_fields[field].type) {
	case HS_FT_UUID:
		return uuid_ok(s, len) ? NULL : "is not a UUID";
	case HS_FT_TIME:
		return time_canonical(s, len) ? NULL :
		       "is not a time like 2026-01-31 12:00:00.000000+00:00";
	default:
		if (len > text_max(field))
			return "is too long";
		return hs_utf8_valid(s, len, NULL) ? NULL : "is not UTF-8";
	}
}

/* Why v cannot be a value of the tag object, or NULL. */
static const char *
tag_value_problem(json_t *v)
{
	size_t len = json_string_length(v);

	if (json_is_string(v))
		return len == 0 || hs_tag_valid_word(json_string_value(v), len) ? NULL :
		       "has a value outside [A-Za-z0-9_.+-]{1,120}";
	if (json_is_number(v) || json_is_boolean(v) || json_is_null(v))
		return NULL;
	return "has a value that is not a string, number, boolean or null";
}

/* Why tag cannot be a task's tag object, or NULL. */
static const char *
tag_problem(json_t *tag)
{
	const char *key, *why;
	json_t *v;

	if (!json_is_object(tag))
		return "is not an object";
	json_object_foreach(tag, key, v) {
		if (!hs_tag_valid_word(key, strlen(key)))
			return "has a key outside [A-Za-z0-9_.+-]{1,120}";
		if ((why = tag_value_problem(v)) != NULL)
			return why;
	}
	return NULL;
}

/* Append v, a checked tag value, as tag.h writes it. */
static hs_err
tag_value_text(json_t *v, struct hs_buf *b)
{
	char num[EXPR_FMT_MAX];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return hs_buf_printf(b, "\"%s\"", json_string_value(v));
	case JSON_INTEGER:
		return hs_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		expr_format(&(struct expr_num){.is_int = false,
		            .d = json_real_value(v)}, num, sizeof num);
		return hs_buf_puts(b, num);
	case JSON_TRUE:
		return hs_buf_puts(b, "true");
	case JSON_FALSE:
		return hs_buf_puts(b, "false");
	default:
		return hs_buf_puts(b, "null");
	}
}

/* Compact text of tag, a checked tag object, in tag.h's form: keys and
 * string values need no escaping, numbers are written as Python would. */
static hs_err
tag_text(json_t *tag, struct hs_buf *b)
{
	const char *key;
	json_t *v;
	hs_err e = hs_buf_putc(b, '{');

	json_object_foreach(tag, key, v) {
		if (e == HS_OK)
			e = hs_buf_printf(b, "%s\"%s\":", b->len > 1 ? "," : "", key);
		if (e == HS_OK)
			e = tag_value_text(v, b);
	}
	return e == HS_OK ? hs_buf_putc(b, '}') : e;
}

/* Check tag, the "tag" member of task object obj, and point c at its
 * text, which replaces it in obj (so the root owns it). */
static hs_err
dec_tag(json_t *obj, json_t *tag, struct hs_cell *c, char *err, size_t errlen)
{
	struct hs_buf b = HS_BUF_INIT(HS_FRAME_ABSMAX);
	const char *why = tag_problem(tag);
	json_t *text = NULL;
	hs_err e;

	if (why != NULL)
		return bad(err, errlen, "\"tag\" %s", why);
	if ((e = tag_text(tag, &b)) != HS_OK)
		goto out;
	if ((text = json_stringn(b.data, b.len)) == NULL)
		e = HS_ENOMEM;
	else
		c->s = json_string_value(text);
	if (e == HS_OK && json_object_set_new(obj, "tag", text) != 0)
		e = HS_ENOMEM;
out:
	hs_buf_free(&b);
	return e;
}

/* Check v, a string member, as field's text. */
static hs_err
dec_text(int field, json_t *v, struct hs_cell *c, char *err, size_t errlen)
{
	const char *why = "is not a string";

	if (json_is_string(v))
		why = text_problem(field, json_string_value(v), json_string_length(v));
	if (why != NULL)
		return bad(err, errlen, "\"%s\" %s", hs_fields[field].name, why);
	c->s = json_string_value(v);
	return HS_OK;
}

static hs_err
wrong_type(int field, const char *what, char *err, size_t errlen)
{
	return bad(err, errlen, "\"%s\" must be %s", hs_fields[field].name, what);
}

/* Fill c, field's cell, from v (not null), a member of task object obj. */
static hs_err
dec_cell(json_t *obj, int field, json_t *v, struct hs_cell *c, char *err,
         size_t errlen)
{
	c->null = false;
	switch (hs_fields[field].type) {
	case HS_FT_JSON:
		return dec_tag(obj, v, c, err, errlen);
	case HS_FT_INT:
		if (!json_is_integer(v))
			return wrong_type(field, "an integer", err, errlen);
		c->i = json_integer_value(v);
		return HS_OK;
	case HS_FT_REAL:
		if (!json_is_number(v))
			return wrong_type(field, "a number", err, errlen);
		c->d = json_number_value(v);
		return HS_OK;
	case HS_FT_BOOL:
		if (!json_is_boolean(v))
			return wrong_type(field, "true or false", err, errlen);
		c->i = json_is_true(v);
		return HS_OK;
	default:
		return dec_text(field, v, c, err, errlen);
	}
}

/* Members of obj that are not s's fields. */
static hs_err
check_fields(json_t *obj, const struct task_schema *s, char *err,
             size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
		if (!in_list(hs_field_find(key), s->fields, s->nfields))
			return bad(err, errlen, "unknown member \"%.40s\"", key);
	return HS_OK;
}

static hs_err
dec_task(json_t *obj, const struct task_schema *s, struct hs_task *t,
         char *err, size_t errlen)
{
	json_t *v[HS_F_COUNT];
	size_t members = 0;
	hs_err e;

	hs_task_clear(t);
	if (!json_is_object(obj))
		return bad(err, errlen, "not an object");
	for (size_t i = 0; i < s->nfields; i++)
		if ((v[i] = json_object_get(obj, hs_fields[s->fields[i]].name)) != NULL)
			members++;
	/* more members than s's fields found: name the first stranger */
	if (members != json_object_size(obj) &&
	    (e = check_fields(obj, s, err, errlen)) != HS_OK)
		return e;
	for (size_t i = 0; i < s->nfields; i++) {
		if (v[i] == NULL || json_is_null(v[i]))
			continue;
		e = dec_cell(obj, s->fields[i], v[i], &t->f[s->fields[i]], err, errlen);
		if (e != HS_OK)
			return e;
	}
	for (size_t i = 0; i < s->nrequired; i++)
		if (t->f[s->required[i]].null)
			return bad(err, errlen, "missing \"%s\"",
			           hs_fields[s->required[i]].name);
	return HS_OK;
}

/* Decode each object of arr into m->tasks. */
static hs_err
dec_task_list(json_t *arr, const struct task_schema *s, struct hs_msg_tasks *m,
              char *err, size_t errlen)
{
	size_t n = json_array_size(arr);
	char what[40];
	hs_err e;

	if (!json_is_array(arr) || n > HS_PROTO_MAX_TASKS)
		return bad(err, errlen, "\"%s\" must be an array of at most %d tasks",
		           s->list, HS_PROTO_MAX_TASKS);
	if ((m->tasks = calloc(n ? n : 1, sizeof *m->tasks)) == NULL)
		return HS_ENOMEM;
	for (m->n = 0; m->n < n; m->n++) {
		e = dec_task(json_array_get(arr, m->n), s, &m->tasks[m->n], err, errlen);
		if (e != HS_OK) {
			snprintf(what, sizeof what, "\"%s\"[%zu]", s->list, m->n);
			prefix(err, errlen, what);
			return e;
		}
	}
	return HS_OK;
}

static hs_err
dec_tasks(const struct hs_frame *f, const struct task_schema *s,
          struct hs_msg_tasks *m, char *err, size_t errlen)
{
	json_t *arr;
	hs_err e;

	memset(m, 0, sizeof *m);
	if ((e = load(f, 1u << s->type, &m->root, err, errlen)) != HS_OK)
		goto out;
	if ((arr = sole_member(m->root, s->list, err, errlen)) == NULL)
		e = HS_EINPUT;
	else
		e = dec_task_list(arr, s, m, err, errlen);
out:
	if (e != HS_OK) {
		prefix(err, errlen, hs_msg_name(s->type));
		hs_msg_tasks_free(m);
	}
	return e;
}

hs_err
hs_dec_bundle(const struct hs_frame *f, struct hs_msg_tasks *m, char *err,
              size_t errlen)
{
	return dec_tasks(f, &bundle_ts, m, err, errlen);
}

hs_err
hs_dec_results(const struct hs_frame *f, struct hs_msg_tasks *m, char *err,
               size_t errlen)
{
	return dec_tasks(f, &result_ts, m, err, errlen);
}

hs_err
hs_dec_submit(const struct hs_frame *f, struct hs_msg_tasks *m, char *err,
              size_t errlen)
{
	return dec_tasks(f, &submit_ts, m, err, errlen);
}

void
hs_msg_tasks_free(struct hs_msg_tasks *m)
{
	if (m == NULL)
		return;
	json_decref(m->root);
	free(m->tasks);
	memset(m, 0, sizeof *m);
}

/* Append the tag object stored as text, if it is a valid one. */
static hs_err
enc_tag(struct hs_buf *b, const char *text)
{
	json_t *tag;
	hs_err e = HS_EINPUT;

	if (strcmp(text, "{}") == 0)   /* most tasks: no parse for it */
		return hs_buf_append(b, "{}", 2);
	tag = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (tag != NULL && tag_problem(tag) == NULL)
		e = dump_json(b, tag);
	json_decref(tag);
	return e;
}

/* Append the JSON value of c, field's cell (not null). */
static hs_err
enc_cell(struct hs_buf *b, int field, const struct hs_cell *c)
{
	size_t len;

	switch (hs_fields[field].type) {
	case HS_FT_INT:
		return jsonw_int(b, c->i);
	case HS_FT_BOOL:
		return jsonw_bool(b, c->i != 0);
	case HS_FT_REAL:
		return isfinite(c->d) ? jsonw_real(b, c->d) : HS_EINPUT;
	case HS_FT_JSON:
		return c->s != NULL ? enc_tag(b, c->s) : HS_EINPUT;
	default:
		if (c->s == NULL || text_problem(field, c->s, len = strlen(c->s)) != NULL)
			return HS_EINPUT;
		return jsonw_string(b, c->s, len);   /* text_problem checked UTF-8 */
	}
}

/* Append the JSON object of t under s. */
static hs_err
enc_task(struct hs_buf *b, const struct task_schema *s, const struct hs_task *t)
{
	bool first = true;
	hs_err e = HS_OK;
	int field;

	for (size_t i = 0; i < s->nrequired; i++)
		if (t->f[s->required[i]].null)
			return HS_EINPUT;
	e = hs_buf_putc(b, '{');
	for (size_t i = 0; i < s->nfields && e == HS_OK; i++) {
		field = s->fields[i];
		if (t->f[field].null)
			continue;
		if ((e = jsonw_key(b, first, hs_fields[field].name)) == HS_OK)
			e = enc_cell(b, field, &t->f[field]);
		first = false;
	}
	return e == HS_OK ? hs_buf_putc(b, '}') : e;
}

struct task_list {
	const struct task_schema *s;
	const struct hs_task *tasks;
};

static hs_err
enc_task_item(struct hs_buf *out, const void *arg, size_t i)
{
	const struct task_list *l = arg;

	return enc_task(out, l->s, &l->tasks[i]);
}

static hs_err
enc_tasks(struct hs_buf *out, const struct task_schema *s,
          const struct hs_task *tasks, size_t n)
{
	struct task_list l = {s, tasks};

	return enc_list(out, s->type, s->list, n, enc_task_item, &l);
}

hs_err
hs_enc_bundle(struct hs_buf *out, const struct hs_task *tasks, size_t n)
{
	return enc_tasks(out, &bundle_ts, tasks, n);
}

hs_err
hs_enc_results(struct hs_buf *out, const struct hs_task *tasks, size_t n)
{
	return enc_tasks(out, &result_ts, tasks, n);
}

hs_err
hs_enc_submit(struct hs_buf *out, const struct hs_task *tasks, size_t n)
{
	return enc_tasks(out, &submit_ts, tasks, n);
}

/* Encode all n; if the frame's payload is over cap, drop it and encode
 * each half the same way. */
static hs_err
enc_split(struct hs_buf *out, const struct task_schema *s, const struct hs_task *tasks,
          size_t n, size_t cap)
{
	size_t before = out->len, half = n / 2;
	hs_err e;

	if ((e = enc_tasks(out, s, tasks, n)) != HS_OK)
		return e;
	if (out->len - before - HS_FRAME_HEADER <= cap)
		return HS_OK;
	hs_buf_truncate(out, before);
	if (n <= 1)
		return hs_fail(HS_ELIMIT, "task %s does not fit in a frame of %zu bytes",
		               n ? tasks[0].f[HS_F_ID].s : "(none)", cap);
	if ((e = enc_split(out, s, tasks, half, cap)) != HS_OK)
		return e;
	return enc_split(out, s, tasks + half, n - half, cap);
}

hs_err
hs_enc_tasks_capped(struct hs_buf *out, enum hs_msg_type type, const struct hs_task *tasks,
                    size_t n, size_t cap)
{
	const struct task_schema *s = task_schema_of(type);

	return s != NULL ? enc_split(out, s, tasks, n, cap) : HS_EINPUT;
}
