/* tag.h: task tags, "key" or "key:value" (reference §1.7).
 *
 * Keys and values match [A-Za-z0-9_.+-]+ and are at most 120 characters;
 * a bare key is a "naked" tag with the value "". Values are stored in the
 * task's JSON `tag` object smart-coerced: integers and floats as numbers,
 * true/false as booleans, null/none as null, anything else as a string.
 */
#ifndef HS_TAG_H
#define HS_TAG_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define HS_TAG_MAX 120

struct hs_tag {
	char key[HS_TAG_MAX + 1];
	char value[HS_TAG_MAX + 1];  /* "" for a naked tag */
};

struct hs_tags {
	struct hs_tag *v;  /* owned */
	size_t n, cap;
};

/* Parse "key" or "key:value". HS_EINPUT with a message in err. */
hs_err hs_tag_parse(const char *text, struct hs_tag *out, char *err,
                    size_t errlen);

/* True if s is a valid tag key or value (non-empty, charset, length). */
int hs_tag_valid_word(const char *s, size_t len);

/* Add or replace (same key) a tag. */
hs_err hs_tags_set(struct hs_tags *t, const struct hs_tag *tag);
/* Parse a tag given on the command line and add it; HS_EUSAGE with the
 * message as hs_detail() if it is malformed. */
hs_err hs_tags_add_arg(struct hs_tags *t, const char *text);
/* Copy every tag of src into dst (replacing same keys). */
hs_err hs_tags_merge(struct hs_tags *dst, const struct hs_tags *src);
void hs_tags_clear(struct hs_tags *t);
void hs_tags_free(struct hs_tags *t);

/* Append the tags as a compact JSON object, keys in insertion order. */
hs_err hs_tags_json(const struct hs_tags *t, struct hs_buf *out);

/* Append one tag value smart-coerced as a JSON scalar. */
hs_err hs_tag_value_json(const char *value, struct hs_buf *out);

#endif
