/* fuzz_proto.c: libFuzzer target for the wire protocol codec (proto.c).
 *
 * The input is read twice as a byte stream of frames, with the cap before
 * authentication (4 KiB) and then the default one (1 MiB): frames are
 * taken off the front until the decoder wants more bytes or refuses.
 * For each frame: the consumed size is within the input and the cap, one
 * byte less is "need more", and its payload goes through every decoder
 * (as a frame of each type, and as itself). The whole input is also
 * decoded as one payload of each type, so the JSON layer is reached
 * without a valid header.
 *
 * Whatever a decoder accepts must encode again, decode again to the same
 * message, and a refusal must come with a one-line printable reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char err[HS_PROTO_ERR];

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* A refusal: HS_EINPUT with a reason, or out of memory. */
static void
check_refusal(hs_err e)
{
	check(e == HS_EINPUT || e == HS_ENOMEM);
	if (e != HS_EINPUT)
		return;
	check(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0');
	for (const char *p = err; *p != '\0'; p++)
		check(*p >= 0x20 && *p < 0x7f);
}

/* The one frame in b (an encoder's output). */
static struct hs_frame
reframe(const struct hs_buf *b)
{
	struct hs_frame f;
	size_t used = 0;

	check(hs_frame_decode((const unsigned char *)b->data, b->len,
	                      HS_FRAME_ABSMAX, &f, &used) == HS_OK);
	check(used == b->len);
	return f;
}

/* Decode f as a T with dec; if accepted, encode with enc, decode again
 * and compare (decoders zero the whole struct, padding included). */
#define FIXED(name, T, dec, enc)                                           \
	static void name(const struct hs_frame *f)                          \
	{                                                                   \
		struct hs_buf o = HS_BUF_INIT(HS_FRAME_ABSMAX + HS_FRAME_HEADER); \
		struct hs_frame g;                                              \
		T a, b;                                                         \
		hs_err e = dec(f, &a, err, sizeof err);                         \
                                                                        \
		if (e != HS_OK) {                                               \
			check_refusal(e);                                           \
			return;                                                     \
		}                                                               \
		check(enc(&o, &a) == HS_OK);                                    \
		g = reframe(&o);                                                \
		check(g.type == f->type);                                       \
		check(dec(&g, &b, err, sizeof err) == HS_OK);                   \
		check(memcmp(&a, &b, sizeof a) == 0);                           \
		hs_buf_free(&o);                                                \
	}

FIXED(try_hello, struct hs_msg_hello, hs_dec_hello, hs_enc_hello)
FIXED(try_challenge, struct hs_msg_challenge, hs_dec_challenge, hs_enc_challenge)
FIXED(try_auth, struct hs_msg_auth, hs_dec_auth, hs_enc_auth)
FIXED(try_welcome, struct hs_msg_welcome, hs_dec_welcome, hs_enc_welcome)
FIXED(try_request, struct hs_msg_request, hs_dec_request, hs_enc_request)
FIXED(try_heartbeat, struct hs_msg_heartbeat, hs_dec_heartbeat, hs_enc_heartbeat)
FIXED(try_error, struct hs_msg_error, hs_dec_error, hs_enc_error)

static void
try_empty(const struct hs_frame *f)
{
	struct hs_buf o = HS_BUF_INIT(64);
	hs_err e = hs_dec_empty(f, err, sizeof err);

	if (e != HS_OK) {
		check_refusal(e);
		return;
	}
	check(hs_enc_empty(&o, f->type) == HS_OK);
	check(o.len == HS_FRAME_HEADER + 3);
	hs_buf_free(&o);
}

static void
try_ids(const struct hs_frame *f)
{
	struct hs_buf o = HS_BUF_INIT(HS_FRAME_ABSMAX + HS_FRAME_HEADER);
	struct hs_msg_ids a, b;
	struct hs_frame g;
	hs_err e = hs_dec_ids(f, &a, err, sizeof err);

	if (e != HS_OK) {
		check_refusal(e);
		check(a.root == NULL && a.ids == NULL && a.n == 0);
		return;
	}
	check(a.n <= HS_PROTO_MAX_TASKS);
	check(hs_enc_ids(&o, f->type, a.ids, a.n) == HS_OK);
	g = reframe(&o);
	check(hs_dec_ids(&g, &b, err, sizeof err) == HS_OK && b.n == a.n);
	for (size_t i = 0; i < a.n; i++)
		check(strcmp(a.ids[i], b.ids[i]) == 0);
	hs_msg_ids_free(&a);
	hs_msg_ids_free(&b);
	hs_buf_free(&o);
}

static void
same_tasks(const struct hs_msg_tasks *a, const struct hs_msg_tasks *b)
{
	char x[64], y[64];
	const char *s, *t;

	check(a->n == b->n);
	for (size_t i = 0; i < a->n; i++)
		for (int k = 0; k < HS_F_COUNT; k++) {
			s = hs_cell_text(&a->tasks[i], k, x, sizeof x);
			t = hs_cell_text(&b->tasks[i], k, y, sizeof y);
			check((s == NULL) == (t == NULL));
			check(s == NULL || strcmp(s, t) == 0);
		}
}

/* BUNDLE, RESULTS or SUBMIT: f's type chooses the schema. */
static hs_err
dec_tasks(enum hs_msg_type type, const struct hs_frame *f, struct hs_msg_tasks *m)
{
	switch (type) {
	case HS_MSG_BUNDLE: return hs_dec_bundle(f, m, err, sizeof err);
	case HS_MSG_SUBMIT: return hs_dec_submit(f, m, err, sizeof err);
	default: return hs_dec_results(f, m, err, sizeof err);
	}
}

static void
try_tasks(const struct hs_frame *f)
{
	struct hs_buf o = HS_BUF_INIT(HS_FRAME_ABSMAX + HS_FRAME_HEADER);
	enum hs_msg_type type = f->type == HS_MSG_BUNDLE || f->type == HS_MSG_SUBMIT ?
	                        f->type : HS_MSG_RESULTS;
	struct hs_msg_tasks a, b;
	struct hs_frame g;
	hs_err e = dec_tasks(type, f, &a);

	if (e != HS_OK) {
		check_refusal(e);
		check(a.root == NULL && a.tasks == NULL && a.n == 0);
		return;
	}
	check(a.n <= HS_PROTO_MAX_TASKS);
	check(hs_enc_tasks_capped(&o, type, a.tasks, a.n, HS_FRAME_ABSMAX) == HS_OK);
	g = reframe(&o);
	check(dec_tasks(type, &g, &b) == HS_OK);
	same_tasks(&a, &b);
	hs_msg_tasks_free(&a);
	hs_msg_tasks_free(&b);
	hs_buf_free(&o);
}

static void (*const try[HS_MSG_MAX + 1])(const struct hs_frame *) = {
	[HS_MSG_HELLO] = try_hello, [HS_MSG_CHALLENGE] = try_challenge,
	[HS_MSG_AUTH] = try_auth, [HS_MSG_WELCOME] = try_welcome,
	[HS_MSG_REQUEST] = try_request, [HS_MSG_BUNDLE] = try_tasks,
	[HS_MSG_CONFIRM] = try_ids, [HS_MSG_RESULTS] = try_tasks,
	[HS_MSG_ACK] = try_ids, [HS_MSG_HEARTBEAT] = try_heartbeat,
	[HS_MSG_DRAIN] = try_empty, [HS_MSG_BYE] = try_empty,
	[HS_MSG_ERROR] = try_error, [HS_MSG_STARTED] = try_ids,
	[HS_MSG_SUBMIT] = try_tasks,
};

/* A type added to proto.h without a decoder here would call NULL. */
static void
check_table(void)
{
	for (int t = HS_MSG_HELLO; t <= HS_MSG_MAX; t++)
		check(try[t] != NULL);
}

/* The payload of f through every decoder: as f, then as each type. */
static void
decode_all(const struct hs_frame *f)
{
	struct hs_frame g = *f;

	for (int t = HS_MSG_HELLO; t <= HS_MSG_MAX; t++) {
		g.type = f->type;
		try[t](&g);         /* a mismatch is refused, an equal one tried */
		g.type = (enum hs_msg_type)t;
		try[t](&g);
	}
}

static void
stream(const uint8_t *data, size_t size, size_t cap)
{
	struct hs_frame f;
	size_t off = 0, used, again;
	hs_err e;

	while (off < size) {
		e = hs_frame_decode(data + off, size - off, cap, &f, &used);
		if (e != HS_OK) {
			check((e == HS_EINPUT || e == HS_ELIMIT) && used == 0);
			return;
		}
		if (used == 0)
			return;      /* a partial frame at the end */
		check(used <= size - off && used >= HS_FRAME_HEADER + 3);
		check(used - HS_FRAME_HEADER <= cap);
		check(f.type >= HS_MSG_HELLO && f.type <= HS_MSG_MAX);
		check(f.payload == (const char *)data + off + HS_FRAME_HEADER + 1);
		check(f.len == used - HS_FRAME_HEADER - 1);
		check(hs_frame_decode(data + off, used - 1, cap, &f, &again) == HS_OK);
		check(again == 0);
		check(hs_frame_decode(data + off, used, cap, &f, &again) == HS_OK);
		decode_all(&f);
		off += used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_frame f = {HS_MSG_HELLO, (const char *)data, size};

	check_table();
	stream(data, size, HS_FRAME_PREAUTH);
	stream(data, size, HS_FRAME_DEFAULT);
	decode_all(&f);
	return 0;
}
