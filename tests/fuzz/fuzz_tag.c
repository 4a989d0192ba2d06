/* fuzz_tag.c: libFuzzer target for tags and their JSON form.
 *
 * Every whitespace-separated word of the input is parsed as a tag; the
 * accepted ones go into a tag set. The set's JSON and each value's JSON
 * must be valid JSON (checked with jansson), the object must hold exactly
 * the set's keys in order, and a value must coerce as documented:
 * true/false to booleans, null/none to null, numbers to numbers.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void
check_value(const char *v)
{
	struct hs_buf b = HS_BUF_INIT(1024);
	json_t *j;

	check(hs_tag_value_json(v, &b) == HS_OK);
	j = json_loads(hs_buf_str(&b), JSON_DECODE_ANY, NULL);
	check(j != NULL);
	if (strcasecmp(v, "true") == 0)
		check(json_is_true(j));
	else if (strcasecmp(v, "false") == 0)
		check(json_is_false(j));
	else if (strcasecmp(v, "null") == 0 || strcasecmp(v, "none") == 0)
		check(json_is_null(j));
	else if (json_is_string(j))
		check(strcmp(json_string_value(j), v) == 0);  /* kept as written */
	else
		check(json_is_number(j) && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')));
	json_decref(j);
	hs_buf_free(&b);
}

static void
check_set(const struct hs_tags *ts)
{
	struct hs_buf b = HS_BUF_INIT(1 << 20);
	json_t *j, *v;
	const char *k;
	size_t i = 0;

	check(hs_tags_json(ts, &b) == HS_OK);
	j = json_loads(hs_buf_str(&b), JSON_PRESERVE_ORDER, NULL);
	check(j != NULL && json_is_object(j));
	check(json_object_size(j) == ts->n);
	json_object_foreach(j, k, v) {
		check(i < ts->n && strcmp(k, ts->v[i].key) == 0);
		i++;
	}
	json_decref(j);
	hs_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_tags ts = {0};
	struct hs_tag t;
	char *s = malloc(size + 1), *word, *p, err[256];

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (p = s; *p != '\0';) {
		for (word = p; *p != '\0' && !strchr(" \t\n", *p); p++)
			;
		if (*p != '\0')
			*p++ = '\0';
		if (*word == '\0')
			continue;
		memset(err, 'X', sizeof err);
		if (hs_tag_parse(word, &t, err, sizeof err) != HS_OK) {
			check(memchr(err, '\0', sizeof err) != NULL);
			continue;
		}
		check(hs_tag_valid_word(t.key, strlen(t.key)));
		check(t.value[0] == '\0' || hs_tag_valid_word(t.value, strlen(t.value)));
		check(strlen(t.key) <= HS_TAG_MAX && strlen(t.value) <= HS_TAG_MAX);
		check_value(t.value);
		check(hs_tags_set(&ts, &t) == HS_OK);
	}
	check_set(&ts);
	hs_tags_free(&ts);
	free(s);
	return 0;
}
