/* proto.h: the queue wire protocol codec (normative spec: docs/protocol.md).
 *
 * Pure: no I/O. A frame is a 4-byte big-endian length N, then N bytes: a
 * 1-byte message type and a UTF-8 JSON object (the payload). The length
 * counts the type byte and the payload. Frames over the cap in force
 * (HS_FRAME_PREAUTH before authentication, the negotiated cap after) are
 * refused before they are buffered.
 *
 * Decoding a message validates every field (types, lengths, UUIDs, times,
 * ranges); a message that does not fit its schema is HS_EINPUT with a
 * one-line reason, never a crash.
 */
#ifndef HS_PROTO_H
#define HS_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "buf.h"
#include "err.h"
#include "task.h"
#include "uuid.h"

#define HS_PROTO_MAJOR 1
#define HS_PROTO_MINOR 2
#define HS_FRAME_HEADER 4
#define HS_FRAME_PREAUTH 4096          /* cap before authentication */
#define HS_FRAME_DEFAULT (1u << 20)    /* default cap after it */
#define HS_FRAME_ABSMAX (64u << 20)    /* no configuration goes above */
#define HS_PROTO_MAX_TASKS 10000       /* most tasks (or ids) in one message */
#define HS_PROTO_ERR 200               /* size of error message buffers */
#define HS_PROTO_ARGS_MAX (1u << 20)   /* longest args or command text */
#define HS_PROTO_TEXT_MAX 4096         /* longest other task text field */

enum hs_msg_type {
	HS_MSG_HELLO = 1,     /* C->S first frame: version, nonce */
	HS_MSG_CHALLENGE,     /* S->C: version, nonce, server proof */
	HS_MSG_AUTH,          /* C->S: client proof, identity, slots */
	HS_MSG_WELCOME,       /* S->C: accepted; server identity and limits */
	HS_MSG_REQUEST,       /* C->S: send me up to N tasks */
	HS_MSG_BUNDLE,        /* S->C: tasks to run */
	HS_MSG_CONFIRM,       /* C->S: these tasks were received */
	HS_MSG_RESULTS,       /* C->S: finished tasks */
	HS_MSG_ACK,           /* S->C: these results are stored */
	HS_MSG_HEARTBEAT,     /* both ways: still here */
	HS_MSG_DRAIN,         /* S->C: finish what you have, take nothing new */
	HS_MSG_BYE,           /* both ways: closing cleanly */
	HS_MSG_ERROR,         /* both ways: why the peer is being closed */
	HS_MSG_STARTED,       /* C->S (1.1): these tasks have started */
	HS_MSG_SUBMIT,        /* C->S (1.2, submitters only): store these new tasks */
	HS_MSG_MAX = HS_MSG_SUBMIT
};

/* A decoded frame: borrowed pointers into the input buffer. */
struct hs_frame {
	enum hs_msg_type type;
	const char *payload;   /* JSON text, not NUL-terminated */
	size_t len;
};

/* Look for one frame at the start of buf. HS_OK with *consumed = 0 when
 * more bytes are needed; HS_ELIMIT when the declared length is over cap
 * (checked from the header alone); HS_EINPUT for a zero length or an
 * unknown type. On success *consumed is the whole frame's size. */
hs_err hs_frame_decode(const unsigned char *buf, size_t len, size_t cap,
                       struct hs_frame *out, size_t *consumed);

/* Append a frame holding payload (JSON text) to out. */
hs_err hs_frame_encode(struct hs_buf *out, enum hs_msg_type type,
                       const char *payload, size_t len);

/* "HELLO", "BUNDLE", ... for logs. */
const char *hs_msg_name(enum hs_msg_type type);

/* --- messages ----------------------------------------------------------- */

struct hs_msg_hello {
	int major, minor;
	unsigned char nonce[HS_NONCE_LEN];
};

struct hs_msg_challenge {
	int major, minor;
	unsigned char nonce[HS_NONCE_LEN];
	unsigned char proof[HS_PROOF_LEN];   /* the server's */
};

struct hs_msg_auth {
	unsigned char proof[HS_PROOF_LEN];   /* the client's */
	char client_id[HS_UUID_STRLEN + 1];        /* the client's instance id */
	char host[256];
	int slots;                           /* execution slots (1..100000);
	                                      * 0: a submitter (1.2), which
	                                      * sends SUBMIT and runs nothing */
};

struct hs_msg_welcome {
	char server_id[HS_UUID_STRLEN + 1];
	char host[256];
	double heartrate;       /* seconds between heartbeats expected */
	double evict;           /* seconds of silence before eviction */
	uint32_t frame_max;     /* cap for frames after authentication */
	int resumed;            /* 1: the client's earlier tasks are still its own */
};

struct hs_msg_request {
	int want;               /* 1..HS_PROTO_MAX_TASKS */
};

/* BUNDLE, RESULTS, SUBMIT: tasks as cells (see hs_proto_bundle_fields and
 * hs_proto_result_fields); strings borrow from root. */
struct hs_msg_tasks {
	json_t *root;           /* owned: free with hs_msg_tasks_free */
	struct hs_task *tasks;  /* owned */
	size_t n;
};

/* CONFIRM, ACK: task ids; strings borrow from root. */
struct hs_msg_ids {
	json_t *root;
	const char **ids;       /* owned array */
	size_t n;
};

enum hs_client_state { HS_STATE_RUNNING, HS_STATE_DRAINING, HS_STATE_FINISHED };

struct hs_msg_heartbeat {
	int state;              /* enum hs_client_state (client), 0 (server) */
	int running;            /* tasks running now */
};

struct hs_msg_error {
	char code[32];          /* e.g. "version", "auth", "limit", "protocol" */
	char message[HS_PROTO_ERR];
};

/* Fields a bundle carries for each task (id, group, args, submit_*,
 * cores, memory, timeout, server_*, schedule_time, client_*, attempt,
 * retried, previous_id, tag), and fields a result carries (id,
 * schedule_time, command, start_time, completion_time, exit_status,
 * outpath, errpath, csvpath, waited, duration, cores_max, memory_max).
 * A result's schedule_time echoes the bundle's: it is the fencing token,
 * so a late result from an earlier dispatch of the same task is refused.
 * In JSON, tag is an object (not text); times are timestamp.h text. */
extern const int hs_proto_bundle_fields[];
extern const size_t hs_proto_nbundle_fields;
extern const int hs_proto_result_fields[];
extern const size_t hs_proto_nresult_fields;
/* SUBMIT: new tasks (id, group, args, submit_*, cores, memory, timeout,
 * tag); a task without group goes to the server's active group. */
extern const int hs_proto_submit_fields[];
extern const size_t hs_proto_nsubmit_fields;

/* Encoders append one complete frame to out, or nothing. They refuse what
 * the decoders would refuse (HS_EINPUT: a bad UUID, time, range, a missing
 * required field; HS_ELIMIT: more than HS_PROTO_MAX_TASKS items or a frame
 * over HS_FRAME_ABSMAX). They do not know the peer's frame cap: the sender
 * checks the frame's size (or gives out a max of cap + HS_FRAME_HEADER)
 * and splits a long BUNDLE or RESULTS. */
hs_err hs_enc_hello(struct hs_buf *out, const struct hs_msg_hello *m);
hs_err hs_enc_challenge(struct hs_buf *out, const struct hs_msg_challenge *m);
hs_err hs_enc_auth(struct hs_buf *out, const struct hs_msg_auth *m);
hs_err hs_enc_welcome(struct hs_buf *out, const struct hs_msg_welcome *m);
hs_err hs_enc_request(struct hs_buf *out, const struct hs_msg_request *m);
hs_err hs_enc_bundle(struct hs_buf *out, const struct hs_task *tasks, size_t n);
hs_err hs_enc_results(struct hs_buf *out, const struct hs_task *tasks, size_t n);
hs_err hs_enc_submit(struct hs_buf *out, const struct hs_task *tasks, size_t n);
/* BUNDLE, RESULTS or SUBMIT (type) in as many messages as it takes to
 * keep each frame's payload within cap bytes, the peer's frame cap.
 * HS_ELIMIT if one task alone is over it. */
hs_err hs_enc_tasks_capped(struct hs_buf *out, enum hs_msg_type type,
                           const struct hs_task *tasks, size_t n, size_t cap);
hs_err hs_enc_ids(struct hs_buf *out, enum hs_msg_type type, const char *const *ids,
                  size_t n);
hs_err hs_enc_heartbeat(struct hs_buf *out, const struct hs_msg_heartbeat *m);
hs_err hs_enc_empty(struct hs_buf *out, enum hs_msg_type type);  /* DRAIN, BYE */
hs_err hs_enc_error(struct hs_buf *out, const struct hs_msg_error *m);

/* Decoders take a frame's payload. err gets a one-line reason. A decoder
 * refuses a frame of another type than its own (HS_EINPUT).
 * HELLO and CHALLENGE from a peer of another major version are accepted
 * once "version" is well formed, whatever else they hold: the caller
 * compares major with HS_PROTO_MAJOR before using any other member (they
 * are then zero) and answers ERROR "version". */
hs_err hs_dec_hello(const struct hs_frame *f, struct hs_msg_hello *m, char *err, size_t errlen);
hs_err hs_dec_challenge(const struct hs_frame *f, struct hs_msg_challenge *m, char *err, size_t errlen);
hs_err hs_dec_auth(const struct hs_frame *f, struct hs_msg_auth *m, char *err, size_t errlen);
hs_err hs_dec_welcome(const struct hs_frame *f, struct hs_msg_welcome *m, char *err, size_t errlen);
hs_err hs_dec_request(const struct hs_frame *f, struct hs_msg_request *m, char *err, size_t errlen);
hs_err hs_dec_bundle(const struct hs_frame *f, struct hs_msg_tasks *m, char *err, size_t errlen);
hs_err hs_dec_results(const struct hs_frame *f, struct hs_msg_tasks *m, char *err, size_t errlen);
hs_err hs_dec_submit(const struct hs_frame *f, struct hs_msg_tasks *m, char *err, size_t errlen);
hs_err hs_dec_ids(const struct hs_frame *f, struct hs_msg_ids *m, char *err, size_t errlen);
hs_err hs_dec_heartbeat(const struct hs_frame *f, struct hs_msg_heartbeat *m, char *err, size_t errlen);
hs_err hs_dec_error(const struct hs_frame *f, struct hs_msg_error *m, char *err, size_t errlen);
/* DRAIN, BYE: the payload must be the empty object. */
hs_err hs_dec_empty(const struct hs_frame *f, char *err, size_t errlen);

void hs_msg_tasks_free(struct hs_msg_tasks *m);
void hs_msg_ids_free(struct hs_msg_ids *m);

#endif
