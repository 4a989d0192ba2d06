/* test_proto.c: unit tests for the wire protocol codec (src/proto.c). */
#include "testutil.h"

#include "proto.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID1 "0190a0b1-c2d3-7e4f-8a5b-6c7d8e9f0a1b"
#define ID2 "0190a0b1-c2d3-7e4f-8a5b-6c7d8e9f0a1c"
#define TS1 "2026-01-31 12:00:00.000000+00:00"
#define TS2 "2026-01-31 12:00:05.250000+00:00"
#define B64_32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  /* bytes 0..31 */

static char err[HS_PROTO_ERR];

/* --- helpers ------------------------------------------------------------ */

/* The one frame in b, which it must fill exactly. */
static struct hs_frame
only_frame(const struct hs_buf *b)
{
	struct hs_frame f;
	size_t used = 0;

	assert_int_equal(hs_frame_decode((const unsigned char *)b->data, b->len,
	                                 HS_FRAME_ABSMAX, &f, &used), HS_OK);
	assert_int_equal(used, b->len);
	return f;
}

/* A frame of type holding json, built in the (reused) static buffer. */
static struct hs_frame
frame(enum hs_msg_type type, const char *json)
{
	static struct hs_buf b = HS_BUF_INIT(HS_FRAME_ABSMAX + HS_FRAME_HEADER);

	hs_buf_reset(&b);
	assert_int_equal(hs_frame_encode(&b, type, json, strlen(json)), HS_OK);
	return only_frame(&b);
}

/* Run the decoder for f's type; free what it made. */
static hs_err
decode(const struct hs_frame *f)
{
	union {
		struct hs_msg_hello hello;
		struct hs_msg_challenge challenge;
		struct hs_msg_auth auth;
		struct hs_msg_welcome welcome;
		struct hs_msg_request request;
		struct hs_msg_heartbeat heartbeat;
		struct hs_msg_error error;
		struct hs_msg_tasks tasks;
		struct hs_msg_ids ids;
	} m;
	hs_err e;

	err[0] = '\0';
	switch (f->type) {
	case HS_MSG_HELLO: return hs_dec_hello(f, &m.hello, err, sizeof err);
	case HS_MSG_CHALLENGE: return hs_dec_challenge(f, &m.challenge, err, sizeof err);
	case HS_MSG_AUTH: return hs_dec_auth(f, &m.auth, err, sizeof err);
	case HS_MSG_WELCOME: return hs_dec_welcome(f, &m.welcome, err, sizeof err);
	case HS_MSG_REQUEST: return hs_dec_request(f, &m.request, err, sizeof err);
	case HS_MSG_HEARTBEAT: return hs_dec_heartbeat(f, &m.heartbeat, err, sizeof err);
	case HS_MSG_ERROR: return hs_dec_error(f, &m.error, err, sizeof err);
	case HS_MSG_DRAIN: case HS_MSG_BYE: return hs_dec_empty(f, err, sizeof err);
	case HS_MSG_BUNDLE:
		e = hs_dec_bundle(f, &m.tasks, err, sizeof err);
		hs_msg_tasks_free(&m.tasks);
		return e;
	case HS_MSG_RESULTS:
		e = hs_dec_results(f, &m.tasks, err, sizeof err);
		hs_msg_tasks_free(&m.tasks);
		return e;
	case HS_MSG_SUBMIT:
		e = hs_dec_submit(f, &m.tasks, err, sizeof err);
		hs_msg_tasks_free(&m.tasks);
		return e;
	default:
		e = hs_dec_ids(f, &m.ids, err, sizeof err);
		hs_msg_ids_free(&m.ids);
		return e;
	}
}

static void
good(enum hs_msg_type type, const char *json)
{
	struct hs_frame f = frame(type, json);

	if (decode(&f) != HS_OK)
		fail_msg("%s %s refused: %s", hs_msg_name(type), json, err);
}

/* json is refused as a type message with a reason holding want. */
static void
refused(enum hs_msg_type type, const char *json, const char *want)
{
	struct hs_frame f = frame(type, json);
	hs_err e = decode(&f);

	if (e != HS_EINPUT)
		fail_msg("%s %.200s: got %d, want HS_EINPUT", hs_msg_name(type), json, e);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err, want);
	if (strncmp(err, hs_msg_name(type), strlen(hs_msg_name(type))) != 0)
		fail_msg("message '%s' does not name %s", err, hs_msg_name(type));
}

/* A JSON text made with printf, in one of two static buffers of up to
 * 4 MiB (so one result may be an argument of the next call). */
static const char *__attribute__((format(printf, 1, 2)))
json(const char *fmt, ...)
{
	static struct hs_buf b[2] = {HS_BUF_INIT(4u << 20), HS_BUF_INIT(4u << 20)};
	static int which;
	va_list ap;

	which ^= 1;
	hs_buf_reset(&b[which]);
	va_start(ap, fmt);
	assert_int_equal(hs_buf_vprintf(&b[which], fmt, ap), HS_OK);
	va_end(ap);
	return hs_buf_str(&b[which]);
}

/* A string of n copies of c, in one of two static buffers. */
static const char *
rep(char c, size_t n)
{
	static char *s[2];
	static int which;

	which ^= 1;
	free(s[which]);
	s[which] = malloc(n + 1);
	assert_non_null(s[which]);
	memset(s[which], c, n);
	s[which][n] = '\0';
	return s[which];
}

static void
cell_s(struct hs_task *t, int field, const char *s)
{
	t->f[field] = (struct hs_cell){.s = s};
}

static void
cell_i(struct hs_task *t, int field, int64_t i)
{
	t->f[field] = (struct hs_cell){.i = i};
}

static void
cell_d(struct hs_task *t, int field, double d)
{
	t->f[field] = (struct hs_cell){.d = d};
}

/* A task with every bundle field set. */
static void
bundle_task(struct hs_task *t)
{
	hs_task_clear(t);
	cell_s(t, HS_F_ID, ID1);
	cell_i(t, HS_F_GROUP, 3);
	cell_s(t, HS_F_ARGS, "echo 'hi' \"there\" \\ \xc3\xa9\t");
	cell_s(t, HS_F_SUBMIT_ID, ID2);
	cell_s(t, HS_F_SUBMIT_TIME, TS1);
	cell_s(t, HS_F_SUBMIT_HOST, "submitter");
	cell_i(t, HS_F_CORES, 4);
	cell_i(t, HS_F_MEMORY, 1 << 30);
	cell_i(t, HS_F_TIMEOUT, 60);
	cell_s(t, HS_F_SERVER_ID, ID2);
	cell_s(t, HS_F_SERVER_HOST, "server.example");
	cell_s(t, HS_F_SCHEDULE_TIME, TS2);
	cell_s(t, HS_F_CLIENT_ID, ID1);
	cell_s(t, HS_F_CLIENT_HOST, "node-01");
	cell_i(t, HS_F_ATTEMPT, 2);
	cell_i(t, HS_F_RETRIED, 1);
	cell_s(t, HS_F_PREVIOUS_ID, ID2);
	cell_s(t, HS_F_TAG, "{\"site\":\"a.b\",\"n\":1,\"x\":0.1,\"ok\":true,"
	       "\"no\":false,\"z\":null,\"naked\":\"\"}");
}

/* A task with every result field set. */
static void
result_task(struct hs_task *t)
{
	hs_task_clear(t);
	cell_s(t, HS_F_ID, ID1);
	cell_s(t, HS_F_SCHEDULE_TIME, TS1);
	cell_s(t, HS_F_COMMAND, "echo hi");
	cell_s(t, HS_F_START_TIME, TS1);
	cell_s(t, HS_F_COMPLETION_TIME, TS2);
	cell_i(t, HS_F_EXIT_STATUS, -9);
	cell_s(t, HS_F_OUTPATH, "/tmp/out");
	cell_s(t, HS_F_ERRPATH, "/tmp/err");
	cell_s(t, HS_F_CSVPATH, "/tmp/x.csv");
	cell_i(t, HS_F_WAITED, 12);
	cell_i(t, HS_F_DURATION, 5);
	cell_d(t, HS_F_CORES_MAX, 1.5);
	cell_d(t, HS_F_MEMORY_MAX, 123456789.25);
}

static void
assert_cells_equal(const struct hs_task *a, const struct hs_task *b,
                   const int *fields, size_t n)
{
	char x[64], y[64];
	const char *sa, *sb;

	for (size_t i = 0; i < n; i++) {
		sa = hs_cell_text(a, fields[i], x, sizeof x);
		sb = hs_cell_text(b, fields[i], y, sizeof y);
		if ((sa == NULL) != (sb == NULL) || (sa && strcmp(sa, sb) != 0))
			fail_msg("field %s: '%s' != '%s'", hs_fields[fields[i]].name,
			         sa ? sa : "(null)", sb ? sb : "(null)");
	}
}

/* --- frames ------------------------------------------------------------- */

static hs_err
frame_at(const unsigned char *p, size_t len, size_t cap, struct hs_frame *f,
         size_t *used)
{
	*used = 12345;
	return hs_frame_decode(p, len, cap, f, used);
}

static void
test_frame_partial_header(void **state)
{
	static const unsigned char p[] = {0, 0, 0, 3, HS_MSG_BYE, '{', '}'};
	struct hs_frame f;
	size_t used;

	for (size_t len = 0; len < HS_FRAME_HEADER; len++) {
		assert_int_equal(frame_at(p, len, 4096, &f, &used), HS_OK);
		assert_int_equal(used, 0);
	}
}

static void
test_frame_partial_payload(void **state)
{
	static const unsigned char p[] = {0, 0, 0, 3, HS_MSG_BYE, '{', '}'};
	struct hs_frame f;
	size_t used;

	for (size_t len = HS_FRAME_HEADER; len < sizeof p; len++) {
		assert_int_equal(frame_at(p, len, 4096, &f, &used), HS_OK);
		assert_int_equal(used, 0);
	}
	assert_int_equal(frame_at(p, sizeof p, 4096, &f, &used), HS_OK);
	assert_int_equal(used, sizeof p);
	assert_int_equal(f.type, HS_MSG_BYE);
	assert_int_equal(f.len, 2);
	assert_memory_equal(f.payload, "{}", 2);
	assert_int_equal(hs_dec_empty(&f, err, sizeof err), HS_OK);
}

static void
test_frame_cap(void **state)
{
	unsigned char p[4096 + HS_FRAME_HEADER] = {0, 0, 0x10, 0x00, HS_MSG_BYE};
	struct hs_frame f;
	size_t used;

	/* N == cap: accepted once whole */
	assert_int_equal(frame_at(p, sizeof p - 1, 4096, &f, &used), HS_OK);
	assert_int_equal(used, 0);
	assert_int_equal(frame_at(p, sizeof p, 4096, &f, &used), HS_OK);
	assert_int_equal(used, sizeof p);
	assert_int_equal(f.len, 4095);
	/* N == cap + 1: refused from the header alone */
	p[3] = 0x01;
	assert_int_equal(frame_at(p, HS_FRAME_HEADER, 4096, &f, &used), HS_ELIMIT);
	assert_int_equal(used, 0);
	assert_int_equal(frame_at(p, HS_FRAME_HEADER, 4097, &f, &used), HS_OK);
}

static void
test_frame_huge_lengths(void **state)
{
	static const unsigned char l31[] = {0x80, 0, 0, 0};
	static const unsigned char lmax[] = {0xff, 0xff, 0xff, 0xff};
	struct hs_frame f;
	size_t used;

	assert_int_equal(frame_at(l31, 4, HS_FRAME_DEFAULT, &f, &used), HS_ELIMIT);
	assert_int_equal(frame_at(lmax, 4, HS_FRAME_DEFAULT, &f, &used), HS_ELIMIT);
	assert_int_equal(frame_at(lmax, 4, HS_FRAME_ABSMAX, &f, &used), HS_ELIMIT);
	assert_int_equal(frame_at(lmax, 4, HS_FRAME_PREAUTH, &f, &used), HS_ELIMIT);
	/* a cap that allows it only means: wait for the rest */
	assert_int_equal(frame_at(lmax, 4, (size_t)-1, &f, &used), HS_OK);
	assert_int_equal(used, 0);
}

static void
test_frame_short_lengths(void **state)
{
	unsigned char p[] = {0, 0, 0, 0, HS_MSG_BYE, '{', '}'};
	struct hs_frame f;
	size_t used;

	for (unsigned char n = 0; n < 3; n++) {  /* no type, or no object */
		p[3] = n;
		assert_int_equal(frame_at(p, sizeof p, 4096, &f, &used), HS_EINPUT);
		assert_int_equal(frame_at(p, HS_FRAME_HEADER, 4096, &f, &used),
		                 HS_EINPUT);
	}
}

static void
test_frame_unknown_types(void **state)
{
	unsigned char p[] = {0, 0, 0, 3, 0, '{', '}'};
	struct hs_frame f;
	size_t used;

	for (int t = 0; t < 256; t++) {
		hs_err want = t >= HS_MSG_HELLO && t <= HS_MSG_MAX ? HS_OK : HS_EINPUT;

		p[4] = (unsigned char)t;
		assert_int_equal(frame_at(p, sizeof p, 4096, &f, &used), want);
		/* known as soon as the type byte is in */
		assert_int_equal(frame_at(p, HS_FRAME_HEADER + 1, 4096, &f, &used),
		                 want);
	}
}

static void
test_frame_back_to_back(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	struct hs_msg_request r = {.want = 7}, r2;
	struct hs_frame f;
	size_t used, off;

	assert_int_equal(hs_enc_request(&b, &r), HS_OK);
	assert_int_equal(hs_enc_empty(&b, HS_MSG_BYE), HS_OK);
	assert_int_equal(hs_frame_decode((unsigned char *)b.data, b.len, 4096, &f,
	                                 &used), HS_OK);
	assert_int_equal(f.type, HS_MSG_REQUEST);
	assert_int_equal(hs_dec_request(&f, &r2, err, sizeof err), HS_OK);
	assert_int_equal(r2.want, 7);
	off = used;
	assert_int_equal(hs_frame_decode((unsigned char *)b.data + off,
	                                 b.len - off, 4096, &f, &used), HS_OK);
	assert_int_equal(f.type, HS_MSG_BYE);
	assert_int_equal(off + used, b.len);
	assert_int_equal(hs_frame_decode((unsigned char *)b.data + b.len, 0, 4096,
	                                 &f, &used), HS_OK);
	assert_int_equal(used, 0);
	hs_buf_free(&b);
}

static void
test_frame_encode(void **state)
{
	struct hs_buf b = HS_BUF_INIT(8);

	assert_int_equal(hs_frame_encode(&b, HS_MSG_BYE, "{}", 2), HS_OK);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "\0\0\0\3\x0c{}", 7);
	/* the next one does not fit: nothing of it is written */
	assert_int_equal(hs_frame_encode(&b, HS_MSG_BYE, "{}", 2), HS_ELIMIT);
	assert_int_equal(b.len, 7);
	assert_int_equal(hs_frame_encode(&b, (enum hs_msg_type)0, "{}", 2),
	                 HS_EINPUT);
	assert_int_equal(hs_frame_encode(&b, (enum hs_msg_type)16, "{}", 2),
	                 HS_EINPUT);
	assert_int_equal(hs_frame_encode(&b, HS_MSG_BYE, "{}", HS_FRAME_ABSMAX),
	                 HS_ELIMIT);
	hs_buf_free(&b);
}

static void
test_msg_names(void **state)
{
	assert_string_equal(hs_msg_name(HS_MSG_HELLO), "HELLO");
	assert_string_equal(hs_msg_name(HS_MSG_BUNDLE), "BUNDLE");
	assert_string_equal(hs_msg_name(HS_MSG_ERROR), "ERROR");
	assert_string_equal(hs_msg_name((enum hs_msg_type)0), "UNKNOWN");
	assert_string_equal(hs_msg_name((enum hs_msg_type)99), "UNKNOWN");
	for (int t = HS_MSG_HELLO; t <= HS_MSG_MAX; t++)
		assert_string_not_equal(hs_msg_name((enum hs_msg_type)t), "UNKNOWN");
}

/* --- round trips -------------------------------------------------------- */

static void
test_hello_round_trip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(4096);
	struct hs_msg_hello h = {.major = HS_PROTO_MAJOR, .minor = HS_PROTO_MINOR}, g;
	struct hs_frame f;

	for (int i = 0; i < HS_NONCE_LEN; i++)
		h.nonce[i] = (unsigned char)i;
	assert_int_equal(hs_enc_hello(&b, &h), HS_OK);
	f = only_frame(&b);
	assert_int_equal(f.type, HS_MSG_HELLO);
	/* the exact wire text, as docs/protocol.md shows it */
	assert_int_equal(f.len, strlen("{\"version\":[1,2],\"nonce\":\"" B64_32 "\"}"));
	assert_memory_equal(f.payload, "{\"version\":[1,2],\"nonce\":\"" B64_32 "\"}",
	                    f.len);
	assert_int_equal(hs_dec_hello(&f, &g, err, sizeof err), HS_OK);
	assert_int_equal(g.major, HS_PROTO_MAJOR);
	assert_int_equal(g.minor, HS_PROTO_MINOR);
	assert_memory_equal(g.nonce, h.nonce, HS_NONCE_LEN);
	hs_buf_free(&b);
}

static void
test_challenge_round_trip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(4096);
	struct hs_msg_challenge c = {.major = 1, .minor = 7}, g;
	struct hs_frame f;

	memset(c.nonce, 0xfe, sizeof c.nonce);
	memset(c.proof, 0x01, sizeof c.proof);
	assert_int_equal(hs_enc_challenge(&b, &c), HS_OK);
	f = only_frame(&b);
	assert_int_equal(hs_dec_challenge(&f, &g, err, sizeof err), HS_OK);
	assert_int_equal(g.major, 1);
	assert_int_equal(g.minor, 7);
	assert_memory_equal(g.nonce, c.nonce, HS_NONCE_LEN);
	assert_memory_equal(g.proof, c.proof, HS_PROOF_LEN);
	hs_buf_free(&b);
}

static void
test_auth_round_trip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(4096);
	struct hs_msg_auth a = {.client_id = ID1, .slots = 100000}, g;
	struct hs_frame f;

	memset(a.proof, 0x77, sizeof a.proof);
	memset(a.host, 'h', 255);
	assert_int_equal(hs_enc_auth(&b, &a), HS_OK);
	f = only_frame(&b);
	assert_int_equal(hs_dec_auth(&f, &g, err, sizeof err), HS_OK);
	assert_memory_equal(g.proof, a.proof, HS_PROOF_LEN);
	assert_string_equal(g.client_id, ID1);
	assert_string_equal(g.host, a.host);
	assert_int_equal(g.slots, 100000);
	assert_true(b.len < HS_FRAME_PREAUTH);
	hs_buf_free(&b);
}

static void
test_welcome_round_trip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(4096);
	struct hs_msg_welcome w = {.server_id = ID2, .host = "srv", .heartrate = 2.5,
	                           .evict = 600, .frame_max = HS_FRAME_DEFAULT, .resumed = 1}, g;
	struct hs_frame f;

	assert_int_equal(hs_enc_welcome(&b, &w), HS_OK);
	f = only_frame(&b);
	assert_int_equal(hs_dec_welcome(&f, &g, err, sizeof err), HS_OK);
	assert_string_equal(g.server_id, ID2);
	assert_string_equal(g.host, "srv");
	assert_true(g.heartrate == 2.5);
	assert_true(g.evict == 600);
	assert_int_equal(g.frame_max, HS_FRAME_DEFAULT);
	assert_int_equal(g.resumed, 1);
	hs_buf_free(&b);
}

static void
test_small_messages_round_trip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(4096);
	struct hs_msg_request r = {.want = HS_PROTO_MAX_TASKS}, r2;
	struct hs_msg_heartbeat h = {.state = HS_STATE_DRAINING, .running = 17}, h2;
	struct hs_msg_error e = {.code = "version", .message = "server speaks 1.0, "
	                         "client 2.3"}, e2;
	struct hs_frame f;

	assert_int_equal(hs_enc_request(&b, &r), HS_OK);
	f = only_frame(&b);
	assert_int_equal(hs_dec_request(&f, &r2, err, sizeof err), HS_OK);
	assert_int_equal(r2.want, HS_PROTO_MAX_TASKS);
	hs_buf_reset(&b);
	assert_int_equal(hs_enc_heartbeat(&b, &h), HS_OK);
	f = only_frame(&b);
	assert_int_equal(hs_dec_heartbeat(&f, &h2, err, sizeof err), HS_OK);
	assert_int_equal(h2.state, HS_STATE_DRAINING);
	assert_int_equal(h2.running, 17);
	hs_buf_reset(&b);
	assert_int_equal(hs_enc_error(&b, &e), HS_OK);
	f = only_frame(&b);
	assert_int_equal(hs_dec_error(&f, &e2, err, sizeof err), HS_OK);
	assert_string_equal(e2.code, "version");
	assert_string_equal(e2.message, e.message);
	hs_buf_free(&b);
}

static void
test_empty_round_trip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(4096);
	struct hs_frame f;

	assert_int_equal(hs_enc_empty(&b, HS_MSG_DRAIN), HS_OK);
	f = only_frame(&b);
	assert_int_equal(f.type, HS_MSG_DRAIN);
	assert_int_equal(hs_dec_empty(&f, err, sizeof err), HS_OK);
	hs_buf_reset(&b);
	assert_int_equal(hs_enc_empty(&b, HS_MSG_BYE), HS_OK);
	f = only_frame(&b);
	assert_int_equal(f.type, HS_MSG_BYE);
	assert_int_equal(hs_dec_empty(&f, err, sizeof err), HS_OK);
	assert_int_equal(hs_enc_empty(&b, HS_MSG_ACK), HS_EINPUT);
	hs_buf_free(&b);
}

static void
test_ids_round_trip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	const char *ids[] = {ID1, ID2, "0190A0B1-C2D3-7E4F-8A5B-6C7D8E9F0A1B"};
	static const enum hs_msg_type types[] = {HS_MSG_CONFIRM, HS_MSG_ACK, HS_MSG_STARTED};
	struct hs_msg_ids m;
	struct hs_frame f;

	for (size_t t = 0; t < 3; t++) {
		hs_buf_reset(&b);
		assert_int_equal(hs_enc_ids(&b, types[t], ids, 3), HS_OK);
		f = only_frame(&b);
		assert_int_equal(f.type, types[t]);
		assert_int_equal(hs_dec_ids(&f, &m, err, sizeof err), HS_OK);
		assert_int_equal(m.n, 3);
		for (size_t i = 0; i < 3; i++)
			assert_string_equal(m.ids[i], ids[i]);
		hs_msg_ids_free(&m);
	}
	hs_buf_reset(&b);
	assert_int_equal(hs_enc_ids(&b, HS_MSG_ACK, NULL, 0), HS_OK);  /* empty */
	f = only_frame(&b);
	assert_int_equal(hs_dec_ids(&f, &m, err, sizeof err), HS_OK);
	assert_int_equal(m.n, 0);
	hs_msg_ids_free(&m);
	hs_msg_ids_free(NULL);
	hs_buf_free(&b);
}

static void
test_bundle_round_trip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	struct hs_task t[2];
	struct hs_msg_tasks m;
	struct hs_frame f;

	bundle_task(&t[0]);
	hs_task_clear(&t[1]);  /* only what is required */
	cell_s(&t[1], HS_F_ID, ID2);
	cell_s(&t[1], HS_F_ARGS, "");
	cell_i(&t[1], HS_F_ATTEMPT, 1);
	cell_s(&t[1], HS_F_SCHEDULE_TIME, TS1);
	cell_s(&t[1], HS_F_TAG, "{}");
	assert_int_equal(hs_enc_bundle(&b, t, 2), HS_OK);
	f = only_frame(&b);
	assert_int_equal(f.type, HS_MSG_BUNDLE);
	assert_int_equal(hs_dec_bundle(&f, &m, err, sizeof err), HS_OK);
	assert_int_equal(m.n, 2);
	assert_cells_equal(&m.tasks[0], &t[0], hs_proto_bundle_fields,
	                   hs_proto_nbundle_fields);
	assert_cells_equal(&m.tasks[1], &t[1], hs_proto_bundle_fields,
	                   hs_proto_nbundle_fields);
	assert_true(m.tasks[1].f[HS_F_GROUP].null);
	assert_true(m.tasks[0].f[HS_F_COMMAND].null);  /* not a bundle field */
	hs_msg_tasks_free(&m);
	hs_msg_tasks_free(NULL);
	hs_buf_free(&b);
}

/* Tasks too big for one frame go in several, each within the cap, in order. */
static void
test_tasks_split_to_the_frame_cap(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1 << 22);
	char big[1500];
	char ids[10][64];
	struct hs_task t[10];
	struct hs_msg_tasks m;
	struct hs_frame f;
	size_t at = 0, used, frames = 0, seen = 0;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (int i = 0; i < 10; i++) {
		bundle_task(&t[i]);
		snprintf(ids[i], sizeof ids[i], "0190a0b1-c2d3-7e4f-8a5b-6c7d8e9f0a%02d", i);
		cell_s(&t[i], HS_F_ID, ids[i]);
		cell_s(&t[i], HS_F_ARGS, big);
	}
	assert_int_equal(hs_enc_tasks_capped(&b, HS_MSG_BUNDLE, t, 10, 4096), HS_OK);
	while (at < b.len) {
		assert_int_equal(hs_frame_decode((unsigned char *)b.data + at, b.len - at, 4096, &f,
		                                 &used), HS_OK);
		if (hs_dec_bundle(&f, &m, err, sizeof err) != HS_OK)
			fail_msg("%s", err);
		assert_true(m.n >= 1);
		assert_string_equal(m.tasks[0].f[HS_F_ID].s, ids[seen]);
		seen += m.n;
		hs_msg_tasks_free(&m);
		at += used;
		frames++;
	}
	assert_int_equal(seen, 10);
	assert_true(frames >= 4);   /* 10 x 1.5 KB in 4 KiB frames */
	/* everything in one frame when it fits */
	hs_buf_reset(&b);
	assert_int_equal(hs_enc_tasks_capped(&b, HS_MSG_BUNDLE, t, 2, 1 << 20), HS_OK);
	f = only_frame(&b);
	assert_int_equal(f.type, HS_MSG_BUNDLE);
	/* one task over the cap cannot be sent */
	hs_buf_reset(&b);
	assert_int_equal(hs_enc_tasks_capped(&b, HS_MSG_BUNDLE, t, 3, 1000), HS_ELIMIT);
	hs_buf_free(&b);
}

static void
test_results_round_trip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	struct hs_task t;
	struct hs_msg_tasks m;
	struct hs_frame f;

	result_task(&t);
	assert_int_equal(hs_enc_results(&b, &t, 1), HS_OK);
	f = only_frame(&b);
	assert_int_equal(f.type, HS_MSG_RESULTS);
	assert_int_equal(hs_dec_results(&f, &m, err, sizeof err), HS_OK);
	assert_int_equal(m.n, 1);
	assert_cells_equal(&m.tasks[0], &t, hs_proto_result_fields,
	                   hs_proto_nresult_fields);
	assert_true(m.tasks[0].f[HS_F_CORES_MAX].d == 1.5);
	assert_true(m.tasks[0].f[HS_F_MEMORY_MAX].d == 123456789.25);
	hs_msg_tasks_free(&m);
	hs_buf_free(&b);
}

/* SUBMIT carries a new task's fields; group may be left to the server,
 * and what only a server sets (schedule_time, attempt, ...) is refused. */
static void
test_submit_round_trip(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	struct hs_task t;
	struct hs_msg_tasks m;
	struct hs_frame f;

	bundle_task(&t);
	assert_int_equal(hs_enc_submit(&b, &t, 1), HS_OK);
	f = only_frame(&b);
	assert_int_equal(f.type, HS_MSG_SUBMIT);
	assert_int_equal(hs_dec_submit(&f, &m, err, sizeof err), HS_OK);
	assert_int_equal(m.n, 1);
	assert_cells_equal(&m.tasks[0], &t, hs_proto_submit_fields,
	                   hs_proto_nsubmit_fields);
	assert_true(m.tasks[0].f[HS_F_SCHEDULE_TIME].null);
	assert_true(m.tasks[0].f[HS_F_ATTEMPT].null);
	hs_msg_tasks_free(&m);

	good(HS_MSG_SUBMIT, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	     "\"submit_id\":\"%s\",\"submit_time\":\"%s\",\"submit_host\":\"h\","
	     "\"tag\":{}}]}", ID1, ID2, TS1));
	refused(HS_MSG_SUBMIT, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"submit_id\":\"%s\",\"submit_time\":\"%s\",\"submit_host\":\"h\","
	        "\"tag\":{},\"attempt\":1}]}", ID1, ID2, TS1), "unknown member \"attempt\"");
	refused(HS_MSG_SUBMIT, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"submit_time\":\"%s\",\"submit_host\":\"h\",\"tag\":{}}]}", ID1, TS1),
	        "missing \"submit_id\"");
	hs_buf_reset(&b);
	assert_int_equal(hs_enc_tasks_capped(&b, HS_MSG_SUBMIT, &t, 1, 1 << 20), HS_OK);
	assert_int_equal(hs_enc_tasks_capped(&b, HS_MSG_ACK, &t, 1, 1 << 20), HS_EINPUT);
	hs_buf_free(&b);
}

/* The tag cell is compact JSON in tag.h's form, whatever the wire text. */
static void
test_tag_text(void **state)
{
	struct hs_frame f = frame(HS_MSG_BUNDLE, json(
		"{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\",\"attempt\":1,"
		"\"schedule_time\":\"%s\",\"tag\": { \"b\" : 0.10000000000000001 ,"
		"\"a\":-5, \"c\":1e2, \"d\":\"v-1.x\", \"e\":\"\", \"f\":false,"
		"\"g\":null}}]}", ID1, TS1));
	struct hs_msg_tasks m;

	assert_int_equal(hs_dec_bundle(&f, &m, err, sizeof err), HS_OK);
	assert_string_equal(m.tasks[0].f[HS_F_TAG].s,
	                    "{\"b\":0.1,\"a\":-5,\"c\":100.0,\"d\":\"v-1.x\",\"e\":\"\","
	                    "\"f\":false,\"g\":null}");
	hs_msg_tasks_free(&m);
}

/* A peer of another major is understood as far as its version. */
static void
test_other_major(void **state)
{
	struct hs_msg_hello h;
	struct hs_msg_challenge c;
	struct hs_frame f = frame(HS_MSG_HELLO, "{\"version\":[2,5],\"v2\":true}");

	assert_int_equal(hs_dec_hello(&f, &h, err, sizeof err), HS_OK);
	assert_int_equal(h.major, 2);
	assert_int_equal(h.minor, 5);
	f = frame(HS_MSG_CHALLENGE, "{\"version\":[0,1]}");
	assert_int_equal(hs_dec_challenge(&f, &c, err, sizeof err), HS_OK);
	assert_int_equal(c.major, 0);
	refused(HS_MSG_HELLO, "{\"version\":[1,5],\"v2\":true}", "unknown member");
	refused(HS_MSG_HELLO, "{\"version\":[2]}", "\"version\" must be");
	good(HS_MSG_HELLO, "{\"version\":[1,65535],\"nonce\":\"" B64_32 "\"}");
}

/* --- refusals ----------------------------------------------------------- */

static void
test_refuse_not_object(void **state)
{
	refused(HS_MSG_BYE, "[]", "not a JSON object");
	refused(HS_MSG_BYE, "[{}]", "not a JSON object");
	refused(HS_MSG_HELLO, "\"x\"", "invalid JSON");
	refused(HS_MSG_HELLO, "12", "invalid JSON");
	refused(HS_MSG_BYE, "{} {}", "invalid JSON");
	refused(HS_MSG_BYE, "{\"a\"", "invalid JSON");
	refused(HS_MSG_BYE, "{\"a\":1}", "must be {}");
	refused(HS_MSG_BUNDLE, "{\"tasks\":{}}", "must be an array");
	refused(HS_MSG_BUNDLE, "{\"tasks\":[1]}", "not an object");
	refused(HS_MSG_ACK, "{\"ids\":\"x\"}", "must be an array");
	good(HS_MSG_DRAIN, " { } ");
}

static void
test_refuse_wrong_frame_type(void **state)
{
	struct hs_frame f = frame(HS_MSG_BYE, "{}");
	struct hs_msg_hello h;
	struct hs_msg_ids ids;
	struct hs_msg_tasks t;

	assert_int_equal(hs_dec_hello(&f, &h, err, sizeof err), HS_EINPUT);
	assert_non_null(strstr(err, "unexpected BYE"));
	assert_int_equal(hs_dec_ids(&f, &ids, err, sizeof err), HS_EINPUT);
	assert_null(ids.root);
	assert_int_equal(hs_dec_bundle(&f, &t, err, sizeof err), HS_EINPUT);
	assert_null(t.tasks);
	f = frame(HS_MSG_ACK, "{}");
	assert_int_equal(hs_dec_empty(&f, err, sizeof err), HS_EINPUT);
	f.type = (enum hs_msg_type)200;
	assert_int_equal(hs_dec_empty(&f, err, sizeof err), HS_EINPUT);
}

static void
test_refuse_missing(void **state)
{
	refused(HS_MSG_HELLO, "{\"version\":[1,0]}", "missing \"nonce\"");
	refused(HS_MSG_CHALLENGE, json("{\"version\":[1,0],\"nonce\":\"%s\"}", B64_32),
	        "missing \"proof\"");
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"h\"}", B64_32, ID1), "missing \"slots\"");
	refused(HS_MSG_WELCOME, json("{\"server_id\":\"%s\",\"host\":\"h\","
	        "\"heartrate\":1,\"evict\":2}", ID1), "missing \"frame_max\"");
	refused(HS_MSG_REQUEST, "{}", "missing \"want\"");
	refused(HS_MSG_HEARTBEAT, "{\"state\":0}", "missing \"running\"");
	refused(HS_MSG_ERROR, "{\"code\":\"auth\"}", "missing \"message\"");
	refused(HS_MSG_CONFIRM, "{}", "missing \"ids\"");
	refused(HS_MSG_BUNDLE, "{}", "missing \"tasks\"");
	refused(HS_MSG_RESULTS, "{\"tasks\":[]}", "missing \"results\"");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\"}]}", ID1, TS1),
	        "\"tasks\"[0]: missing \"tag\"");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":null,\"schedule_time\":\"%s\",\"tag\":{}}]}", ID1, TS1),
	        "missing \"attempt\"");
	refused(HS_MSG_RESULTS, json("{\"results\":[{\"id\":\"%s\","
	        "\"schedule_time\":\"%s\",\"completion_time\":\"%s\"}]}", ID1, TS1,
	        TS2), "missing \"exit_status\"");
	good(HS_MSG_RESULTS, json("{\"results\":[{\"id\":\"%s\",\"schedule_time\":"
	     "\"%s\",\"completion_time\":\"%s\",\"exit_status\":0,\"command\":null}]}",
	     ID1, TS1, TS2));
}

static void
test_refuse_wrong_types(void **state)
{
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"h\",\"slots\":\"4\"}", B64_32, ID1), "\"slots\" must be");
	refused(HS_MSG_REQUEST, "{\"want\":1.0}", "\"want\" must be an integer");
	refused(HS_MSG_REQUEST, "{\"want\":true}", "\"want\" must be an integer");
	refused(HS_MSG_HEARTBEAT, "{\"state\":null,\"running\":0}", "\"state\"");
	refused(HS_MSG_WELCOME, json("{\"server_id\":\"%s\",\"host\":\"h\","
	        "\"heartrate\":\"1\",\"evict\":2,\"frame_max\":4096}", ID1),
	        "\"heartrate\" must be");
	refused(HS_MSG_HELLO, json("{\"version\":\"1.0\",\"nonce\":\"%s\"}", B64_32),
	        "\"version\" must be");
	refused(HS_MSG_HELLO, json("{\"version\":[1.0,0],\"nonce\":\"%s\"}", B64_32),
	        "\"version\" must be");
	refused(HS_MSG_HELLO, json("{\"version\":[1,0,0],\"nonce\":\"%s\"}", B64_32),
	        "\"version\" must be");
	refused(HS_MSG_HELLO, "{\"version\":[1,0],\"nonce\":32}", "\"nonce\" must be");
	refused(HS_MSG_ERROR, "{\"code\":1,\"message\":\"\"}", "\"code\" must be");
	refused(HS_MSG_ACK, "{\"ids\":[1]}", "\"ids\"[0] is not a UUID");
}

/* A bundle holding one task with member (a JSON fragment) added. */
static const char *
task_with(const char *member)
{
	return json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\",\"attempt\":1,"
	            "\"schedule_time\":\"%s\",\"tag\":{}%s%s}]}", ID1, TS1,
	            *member ? "," : "", member);
}

static void
test_refuse_task_fields(void **state)
{
	good(HS_MSG_BUNDLE, task_with(""));
	good(HS_MSG_BUNDLE, task_with("\"group\":null,\"cores\":-1,\"retried\":false"));
	refused(HS_MSG_BUNDLE, task_with("\"group\":1.0"), "\"group\" must be an integer");
	refused(HS_MSG_BUNDLE, task_with("\"retried\":1"), "\"retried\" must be true");
	refused(HS_MSG_BUNDLE, task_with("\"cores\":\"2\""), "\"cores\" must be");
	refused(HS_MSG_BUNDLE, task_with("\"submit_host\":7"), "\"submit_host\" is not");
	refused(HS_MSG_BUNDLE, task_with("\"next_id\":null"), "unknown member \"next_id\"");
	refused(HS_MSG_BUNDLE, task_with("\"command\":\"x\""), "unknown member \"command\"");
	refused(HS_MSG_BUNDLE, task_with("\"bogus\":1"), "unknown member \"bogus\"");
	refused(HS_MSG_BUNDLE, task_with("\"id\":\"x\""), "duplicate");
	refused(HS_MSG_BUNDLE, task_with("\"submit_id\":\"0190a0b1-c2d3-7e4f-8a5b\""),
	        "\"submit_id\" is not a UUID");
	refused(HS_MSG_BUNDLE, task_with("\"previous_id\":\"0190a0b1xc2d3-7e4f-8a5b-"
	        "6c7d8e9f0a1b\""), "\"previous_id\" is not a UUID");
	refused(HS_MSG_BUNDLE, task_with("\"submit_time\":\"2026-01-31 12:00:00\""),
	        "\"submit_time\" is not a time");
	refused(HS_MSG_BUNDLE, task_with("\"submit_time\":\"2026-01-31T12:00:00.000000"
	        "+00:00\""), "is not a time");
	refused(HS_MSG_BUNDLE, task_with("\"submit_time\":\"2026-01-31 13:00:00.000000"
	        "+01:00\""), "is not a time");
	refused(HS_MSG_BUNDLE, task_with("\"submit_time\":\"2026-02-30 12:00:00.000000"
	        "+00:00\""), "is not a time");
	refused(HS_MSG_BUNDLE, task_with("\"submit_time\":1769860800"),
	        "\"submit_time\" is not a string");
	refused(HS_MSG_RESULTS, json("{\"results\":[{\"id\":\"%s\",\"schedule_time\":"
	        "\"%s\",\"completion_time\":\"%s\",\"exit_status\":0,\"memory_max\":"
	        "\"1\"}]}", ID1, TS1, TS2), "\"memory_max\" must be a number");
	good(HS_MSG_RESULTS, json("{\"results\":[{\"id\":\"%s\",\"schedule_time\":"
	     "\"%s\",\"completion_time\":\"%s\",\"exit_status\":0,\"memory_max\":"
	     "7}]}", ID1, TS1, TS2));
}

static void
test_refuse_tags(void **state)
{
	good(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	     "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{\"k\":\"v\",\"n\":1}}]}",
	     ID1, TS1));
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":\"{}\"}]}", ID1, TS1),
	        "\"tag\" is not an object");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{\"a b\":1}}]}", ID1,
	        TS1), "has a key outside");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{\"\":1}}]}", ID1,
	        TS1), "has a key outside");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{\"%s\":1}}]}", ID1,
	        TS1, rep('k', 121)), "has a key outside");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{\"k\":\"x/y\"}}]}",
	        ID1, TS1), "has a value outside");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{\"k\":\"\\\"\"}}]}",
	        ID1, TS1), "has a value outside");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{\"k\":{}}}]}", ID1,
	        TS1), "not a string, number");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{\"k\":[1]}}]}", ID1,
	        TS1), "not a string, number");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{\"k\":1,\"k\":2}}]}",
	        ID1, TS1), "duplicate");
}

static void
test_refuse_extra_members(void **state)
{
	refused(HS_MSG_HELLO, json("{\"version\":[1,0],\"nonce\":\"%s\",\"x\":1}",
	        B64_32), "unknown member \"x\"");
	refused(HS_MSG_REQUEST, "{\"want\":1,\"also\":2}", "unknown member \"also\"");
	refused(HS_MSG_ERROR, "{\"code\":\"auth\",\"message\":\"\",\"why\":\"\"}",
	        "unknown member");
	refused(HS_MSG_ACK, json("{\"ids\":[],\"more\":[]}"), "unknown member");
	refused(HS_MSG_BUNDLE, "{\"tasks\":[],\"x\":0}", "unknown member");
	refused(HS_MSG_BYE, "{\"reason\":\"x\"}", "must be {}");
}

static void
test_refuse_duplicates(void **state)
{
	refused(HS_MSG_HELLO, json("{\"version\":[1,0],\"nonce\":\"%s\","
	        "\"nonce\":\"%s\"}", B64_32, B64_32), "duplicate");
	refused(HS_MSG_REQUEST, "{\"want\":1,\"want\":1}", "duplicate");
	refused(HS_MSG_CONFIRM, "{\"ids\":[],\"ids\":[]}", "duplicate");
}

static void
test_refuse_bad_uuids(void **state)
{
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"h\",\"slots\":1}", B64_32, "not-a-uuid"),
	        "\"client_id\" must be a UUID");
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s \","
	        "\"host\":\"h\",\"slots\":1}", B64_32, ID1),
	        "\"client_id\" must be a UUID");
	refused(HS_MSG_WELCOME, json("{\"server_id\":\"%sa\",\"host\":\"h\","
	        "\"heartrate\":1,\"evict\":2,\"frame_max\":4096}", ID1),
	        "\"server_id\" must be a UUID");
	refused(HS_MSG_ACK, json("{\"ids\":[\"%s\",\"%.35s\"]}", ID1, ID2),
	        "\"ids\"[1] is not a UUID");
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%.35sg\",\"args\":\"x\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{}}]}", ID1, TS1),
	        "\"tasks\"[0]: \"id\" is not a UUID");
}

static void
test_refuse_too_many(void **state)
{
	struct hs_buf b = HS_BUF_INIT(4u << 20);
	size_t n = HS_PROTO_MAX_TASKS + 1;

	assert_int_equal(hs_buf_puts(&b, "{\"ids\":["), HS_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hs_buf_printf(&b, "%s\"%s\"", i ? "," : "", ID1), HS_OK);
	assert_int_equal(hs_buf_puts(&b, "]}"), HS_OK);
	refused(HS_MSG_CONFIRM, hs_buf_str(&b), "at most 10000");
	hs_buf_reset(&b);
	assert_int_equal(hs_buf_puts(&b, "{\"tasks\":["), HS_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hs_buf_puts(&b, i ? ",{}" : "{}"), HS_OK);
	assert_int_equal(hs_buf_puts(&b, "]}"), HS_OK);
	refused(HS_MSG_BUNDLE, hs_buf_str(&b), "at most 10000 tasks");
	hs_buf_free(&b);
}

static void
test_refuse_base64(void **state)
{
	static const char *const bad[] = {
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",    /* 31 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",    /* 33 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",     /* no padding */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",    /* stray bits */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",   /* extra pad */
		" AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",    /* space */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 ",    /* space */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-h8=",    /* url-safe */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd*h8=",    /* not base64 */
		"",
	};

	good(HS_MSG_HELLO, json("{\"version\":[1,0],\"nonce\":\"%s\"}", B64_32));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(HS_MSG_HELLO, json("{\"version\":[1,0],\"nonce\":\"%s\"}", bad[i]),
		        "\"nonce\" must be base64 of 32 bytes");
	refused(HS_MSG_AUTH, json("{\"proof\":\"%.40s\",\"client_id\":\"%s\","
	        "\"host\":\"h\",\"slots\":1}", B64_32, ID1), "\"proof\" must be base64");
}

static void
test_refuse_text(void **state)
{
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"%s\",\"slots\":1}", B64_32, ID1, rep('h', 256)),
	        "\"host\" must be 1 to 255 bytes");
	good(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	     "\"host\":\"%s\",\"slots\":1}", B64_32, ID1, rep('h', 255)));
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"\",\"slots\":1}", B64_32, ID1), "\"host\" must be");
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"a\\nb\",\"slots\":1}", B64_32, ID1), "\"host\" must be");
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"a\xff\",\"slots\":1}", B64_32, ID1), "invalid JSON");
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"a\\u0000b\",\"slots\":1}", B64_32, ID1), "invalid JSON");
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"\\udc00\",\"slots\":1}", B64_32, ID1), "invalid JSON");
	refused(HS_MSG_ERROR, "{\"code\":\"Auth\",\"message\":\"\"}",
	        "\"code\" must be 1 to 31 bytes of [a-z_]");
	refused(HS_MSG_ERROR, "{\"code\":\"\",\"message\":\"\"}", "\"code\" must be");
	refused(HS_MSG_ERROR, json("{\"code\":\"%s\",\"message\":\"\"}", rep('a', 32)),
	        "\"code\" must be");
	good(HS_MSG_ERROR, json("{\"code\":\"%s\",\"message\":\"%s\"}", rep('a', 31),
	     rep('m', 199)));
	refused(HS_MSG_ERROR, json("{\"code\":\"x\",\"message\":\"%s\"}", rep('m', 200)),
	        "\"message\" must be 0 to 199 bytes");
	refused(HS_MSG_ERROR, "{\"code\":\"x\",\"message\":\"a\\u001bb\"}",
	        "\"message\" must be");
	good(HS_MSG_ERROR, "{\"code\":\"x\",\"message\":\"caf\\u00e9 \xe2\x9c\x93\"}");
}

static void
test_refuse_task_text_lengths(void **state)
{
	good(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"%s\","
	     "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{}}]}", ID1,
	     rep('a', HS_PROTO_ARGS_MAX), TS1));
	refused(HS_MSG_BUNDLE, json("{\"tasks\":[{\"id\":\"%s\",\"args\":\"%s\","
	        "\"attempt\":1,\"schedule_time\":\"%s\",\"tag\":{}}]}", ID1,
	        rep('a', HS_PROTO_ARGS_MAX + 1), TS1), "\"args\" is too long");
	good(HS_MSG_BUNDLE, task_with(json("\"client_host\":\"%s\"",
	                                   rep('c', HS_PROTO_TEXT_MAX))));
	refused(HS_MSG_BUNDLE, task_with(json("\"client_host\":\"%s\"",
	        rep('c', HS_PROTO_TEXT_MAX + 1))), "\"client_host\" is too long");
	good(HS_MSG_RESULTS, json("{\"results\":[{\"id\":\"%s\",\"schedule_time\":"
	     "\"%s\",\"completion_time\":\"%s\",\"exit_status\":0,\"command\":\"%s\"}]}",
	     ID1, TS1, TS2, rep('c', HS_PROTO_TEXT_MAX + 1)));
}

/* A WELCOME with these heartrate, evict and frame_max. */
static const char *
welcome(const char *heartrate, const char *evict, const char *frame_max)
{
	return json("{\"server_id\":\"" ID1 "\",\"host\":\"h\",\"heartrate\":%s,"
	            "\"evict\":%s,\"frame_max\":%s,\"resumed\":0}", heartrate, evict, frame_max);
}

static void
test_refuse_ranges(void **state)
{

	refused(HS_MSG_REQUEST, "{\"want\":0}", "from 1 to 10000");
	refused(HS_MSG_REQUEST, "{\"want\":10001}", "from 1 to 10000");
	refused(HS_MSG_REQUEST, "{\"want\":-1}", "from 1 to 10000");
	refused(HS_MSG_REQUEST, "{\"want\":99999999999999999999}", "invalid JSON");
	refused(HS_MSG_REQUEST, "{\"want\":4294967297}", "from 1 to 10000");
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"h\",\"slots\":-1}", B64_32, ID1), "\"slots\" must be");
	good(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	     "\"host\":\"h\",\"slots\":0}", B64_32, ID1));   /* a submitter (1.2) */
	refused(HS_MSG_AUTH, json("{\"proof\":\"%s\",\"client_id\":\"%s\","
	        "\"host\":\"h\",\"slots\":100001}", B64_32, ID1), "\"slots\" must be");
	refused(HS_MSG_HEARTBEAT, "{\"state\":3,\"running\":0}", "\"state\" must be");
	refused(HS_MSG_HEARTBEAT, "{\"state\":0,\"running\":-1}", "\"running\"");
	refused(HS_MSG_HEARTBEAT, "{\"state\":0,\"running\":1000001}", "\"running\"");
	good(HS_MSG_HEARTBEAT, "{\"state\":2,\"running\":1000000}");
	good(HS_MSG_WELCOME, welcome("0.001", "1", "4096"));
	good(HS_MSG_WELCOME, welcome("3600", "31536000", "67108864"));
	refused(HS_MSG_WELCOME, welcome("0", "1", "4096"), "\"heartrate\"");
	refused(HS_MSG_WELCOME, welcome("3600.5", "1", "4096"), "\"heartrate\"");
	refused(HS_MSG_WELCOME, welcome("-1", "1", "4096"), "\"heartrate\"");
	refused(HS_MSG_WELCOME, welcome("1", "0", "4096"), "\"evict\"");
	refused(HS_MSG_WELCOME, welcome("1", "1e300", "4096"), "\"evict\"");
	refused(HS_MSG_WELCOME, welcome("1", "1e999", "4096"), "invalid JSON");
	refused(HS_MSG_WELCOME, welcome("1", "1", "4095"), "\"frame_max\"");
	refused(HS_MSG_WELCOME, welcome("1", "1", "67108865"), "\"frame_max\"");
	refused(HS_MSG_WELCOME, welcome("1", "1", "1048576.0"), "\"frame_max\"");
	refused(HS_MSG_WELCOME, json("{\"server_id\":\"" ID1 "\",\"host\":\"h\",\"heartrate\":1,"
	        "\"evict\":1,\"frame_max\":4096,\"resumed\":2}"), "\"resumed\"");
	refused(HS_MSG_HELLO, json("{\"version\":[-1,0],\"nonce\":\"%s\"}", B64_32),
	        "\"version\" must be");
	refused(HS_MSG_HELLO, json("{\"version\":[1,65536],\"nonce\":\"%s\"}", B64_32),
	        "\"version\" must be");
}

/* The reason is one printable line even when it quotes the peer. */
static void
test_reason_is_one_line(void **state)
{
	struct hs_frame f = frame(HS_MSG_REQUEST, "{\"want\":1,\"a\\nb\\u0007c\xc3\xa9\":1}");

	assert_int_equal(decode(&f), HS_EINPUT);
	for (const char *p = err; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_non_null(strstr(err, "a?b?c??"));
}

/* --- encoders refuse what decoders would ------------------------------- */

static void
test_encoders_refuse(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	struct hs_msg_hello h = {.major = -1};
	struct hs_msg_auth a = {.client_id = "nope", .host = "h", .slots = 1};
	struct hs_msg_welcome w = {.server_id = ID1, .host = "h", .heartrate = 1,
	                           .evict = 1, .frame_max = 100};
	struct hs_msg_request r = {.want = 0};
	struct hs_msg_heartbeat hb = {.state = 5};
	struct hs_msg_error e = {.code = "Bad", .message = ""};
	const char *ids[] = {ID1, "x"};

	assert_int_equal(hs_enc_hello(&b, &h), HS_EINPUT);
	assert_int_equal(hs_enc_auth(&b, &a), HS_EINPUT);
	memcpy(a.client_id, ID1, sizeof a.client_id);
	a.host[0] = '\0';
	assert_int_equal(hs_enc_auth(&b, &a), HS_EINPUT);
	memset(a.host, 'h', sizeof a.host);              /* no NUL */
	assert_int_equal(hs_enc_auth(&b, &a), HS_EINPUT);
	assert_int_equal(hs_enc_welcome(&b, &w), HS_EINPUT);
	w.frame_max = HS_FRAME_DEFAULT;
	w.heartrate = NAN;
	assert_int_equal(hs_enc_welcome(&b, &w), HS_EINPUT);
	assert_int_equal(hs_enc_request(&b, &r), HS_EINPUT);
	assert_int_equal(hs_enc_heartbeat(&b, &hb), HS_EINPUT);
	assert_int_equal(hs_enc_error(&b, &e), HS_EINPUT);
	assert_int_equal(hs_enc_ids(&b, HS_MSG_ACK, ids, 2), HS_EINPUT);
	assert_int_equal(hs_enc_ids(&b, HS_MSG_BYE, ids, 1), HS_EINPUT);
	assert_int_equal(hs_enc_ids(&b, HS_MSG_ACK, ids, HS_PROTO_MAX_TASKS + 1),
	                 HS_ELIMIT);
	assert_int_equal(b.len, 0);  /* nothing written by any of them */
	hs_buf_free(&b);
}

static void
test_task_encoders_refuse(void **state)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	struct hs_task t;

	bundle_task(&t);
	t.f[HS_F_TAG].null = true;
	assert_int_equal(hs_enc_bundle(&b, &t, 1), HS_EINPUT);  /* required */
	bundle_task(&t);
	cell_s(&t, HS_F_TAG, "{\"a b\":1}");
	assert_int_equal(hs_enc_bundle(&b, &t, 1), HS_EINPUT);
	cell_s(&t, HS_F_TAG, "[]");
	assert_int_equal(hs_enc_bundle(&b, &t, 1), HS_EINPUT);
	cell_s(&t, HS_F_TAG, "{\"a\":1,\"a\":2}");
	assert_int_equal(hs_enc_bundle(&b, &t, 1), HS_EINPUT);
	bundle_task(&t);
	cell_s(&t, HS_F_SUBMIT_TIME, "2026-01-31 12:00:00");
	assert_int_equal(hs_enc_bundle(&b, &t, 1), HS_EINPUT);
	bundle_task(&t);
	cell_s(&t, HS_F_ARGS, "bad \xff utf-8");
	assert_int_equal(hs_enc_bundle(&b, &t, 1), HS_EINPUT);
	bundle_task(&t);
	cell_s(&t, HS_F_ID, "x");
	assert_int_equal(hs_enc_bundle(&b, &t, 1), HS_EINPUT);
	assert_int_equal(hs_enc_bundle(&b, NULL, HS_PROTO_MAX_TASKS + 1), HS_ELIMIT);
	result_task(&t);
	cell_d(&t, HS_F_CORES_MAX, INFINITY);
	assert_int_equal(hs_enc_results(&b, &t, 1), HS_EINPUT);
	result_task(&t);
	t.f[HS_F_EXIT_STATUS].null = true;
	assert_int_equal(hs_enc_results(&b, &t, 1), HS_EINPUT);
	assert_int_equal(b.len, 0);
	assert_int_equal(hs_enc_bundle(&b, NULL, 0), HS_OK);  /* empty is allowed */
	hs_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_partial_header),
		cmocka_unit_test(test_frame_partial_payload),
		cmocka_unit_test(test_frame_cap),
		cmocka_unit_test(test_frame_huge_lengths),
		cmocka_unit_test(test_frame_short_lengths),
		cmocka_unit_test(test_frame_unknown_types),
		cmocka_unit_test(test_frame_back_to_back),
		cmocka_unit_test(test_frame_encode),
		cmocka_unit_test(test_msg_names),
		cmocka_unit_test(test_hello_round_trip),
		cmocka_unit_test(test_challenge_round_trip),
		cmocka_unit_test(test_auth_round_trip),
		cmocka_unit_test(test_welcome_round_trip),
		cmocka_unit_test(test_small_messages_round_trip),
		cmocka_unit_test(test_empty_round_trip),
		cmocka_unit_test(test_ids_round_trip),
		cmocka_unit_test(test_bundle_round_trip),
		cmocka_unit_test(test_results_round_trip),
		cmocka_unit_test(test_submit_round_trip),
		cmocka_unit_test(test_tasks_split_to_the_frame_cap),
		cmocka_unit_test(test_tag_text),
		cmocka_unit_test(test_other_major),
		cmocka_unit_test(test_refuse_not_object),
		cmocka_unit_test(test_refuse_wrong_frame_type),
		cmocka_unit_test(test_refuse_missing),
		cmocka_unit_test(test_refuse_wrong_types),
		cmocka_unit_test(test_refuse_task_fields),
		cmocka_unit_test(test_refuse_tags),
		cmocka_unit_test(test_refuse_extra_members),
		cmocka_unit_test(test_refuse_duplicates),
		cmocka_unit_test(test_refuse_bad_uuids),
		cmocka_unit_test(test_refuse_too_many),
		cmocka_unit_test(test_refuse_base64),
		cmocka_unit_test(test_refuse_text),
		cmocka_unit_test(test_refuse_task_text_lengths),
		cmocka_unit_test(test_refuse_ranges),
		cmocka_unit_test(test_reason_is_one_line),
		cmocka_unit_test(test_encoders_refuse),
		cmocka_unit_test(test_task_encoders_refuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
