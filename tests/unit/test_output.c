/* test_output.c: unit tests for task output formats (src/output.c),
 * printed into memory streams. */
#include "testutil.h"

#include "output.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID1 "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
#define ID2 "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"
#define SUB "0190a1b2-0000-7000-8000-000000000001"

static char *text;   /* what the last print wrote; freed by teardown */
static size_t textlen;
static FILE *mem;

static void
begin(void)
{
	free(text);
	text = NULL;
	mem = open_memstream(&text, &textlen);
	assert_non_null(mem);
}

static const char *
end(void)
{
	fclose(mem);
	mem = NULL;
	return text;
}

static int
teardown(void **state)
{
	free(text);
	text = NULL;
	return 0;
}

/* A finished task with most fields set. */
static void
sample(struct hs_task *t)
{
	hs_task_clear(t);
	t->f[HS_F_ID] = (struct hs_cell){.s = ID1};
	t->f[HS_F_GROUP] = (struct hs_cell){.i = 0};
	t->f[HS_F_ARGS] = (struct hs_cell){.s = "echo \"hi\", there\n2"};
	t->f[HS_F_SUBMIT_ID] = (struct hs_cell){.s = SUB};
	t->f[HS_F_SUBMIT_TIME] = (struct hs_cell){.s = "2026-01-31 12:00:00.000000+00:00"};
	t->f[HS_F_SUBMIT_HOST] = (struct hs_cell){.s = "host1"};
	t->f[HS_F_CORES] = (struct hs_cell){.i = 2};
	t->f[HS_F_MEMORY] = (struct hs_cell){.i = 512LL << 20};
	t->f[HS_F_CORES_MAX] = (struct hs_cell){.d = 1.5};
	t->f[HS_F_TIMEOUT] = (struct hs_cell){.i = 90};
	t->f[HS_F_EXIT_STATUS] = (struct hs_cell){.i = -15};
	t->f[HS_F_WAITED] = (struct hs_cell){.i = 5};
	t->f[HS_F_DURATION] = (struct hs_cell){.i = 90061};
	t->f[HS_F_ATTEMPT] = (struct hs_cell){.i = 1};
	t->f[HS_F_RETRIED] = (struct hs_cell){.i = 0};
	t->f[HS_F_TAG] = (struct hs_cell){.s = "{\"site\": \"a\", \"n\": 1, \"flag\": \"\"}"};
}

static void
has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("output lacks '%s':\n%s", needle, hay);
}

static void
test_format_parse(void **state)
{
	assert_int_equal(hs_format_parse("normal"), HS_FMT_NORMAL);
	assert_int_equal(hs_format_parse("plain"), HS_FMT_PLAIN);
	assert_int_equal(hs_format_parse("table"), HS_FMT_TABLE);
	assert_int_equal(hs_format_parse("json"), HS_FMT_JSON);
	assert_int_equal(hs_format_parse("csv"), HS_FMT_CSV);
	assert_int_equal(hs_format_parse("yaml"), HS_FMT_YAML);
	assert_int_equal(hs_format_parse("JSON"), -1);
	assert_int_equal(hs_format_parse(""), -1);
}

static void
test_info_normal(void **state)
{
	struct hs_task t;
	const char *s;

	sample(&t);
	begin();
	assert_int_equal(hs_print_info(mem, &t, HS_FMT_NORMAL), HS_OK);
	s = end();
	assert_true(strncmp(s, "          id: " ID1 "\n       group: 0\n", 35 + 17) == 0);
	has(s, "        args: echo \"hi\", there\\n2\n");
	has(s, "     command: null\n");
	has(s, "       cores: 2 (used: 1.50)\n");
	has(s, "      memory: 512MB (used: null)\n");
	has(s, "     timeout: 0:01:30\n");
	has(s, " exit_status: -15\n");
	has(s, "   submitted: 2026-01-31 12:00:00.000000+00:00\n");
	has(s, "   scheduled: null\n");
	has(s, "     started: null (waited: 0:00:05)\n");
	has(s, "   completed: null (duration: 1 day, 1:01:01)\n");
	has(s, " submit_host: host1 (" SUB ")\n");
	has(s, "     retried: false\n");
	has(s, "        tags: flag, n:1, site:a\n");
}

static void
test_info_normal_zero_timeout_is_null(void **state)
{
	struct hs_task t;

	sample(&t);
	t.f[HS_F_TIMEOUT].i = 0;
	t.f[HS_F_DURATION].i = 2 * 86400;
	t.f[HS_F_MEMORY].i = 1536;
	begin();
	hs_print_info(mem, &t, HS_FMT_NORMAL);
	has(end(), "     timeout: null\n");
	has(text, "(duration: 2 days, 0:00:00)");
	has(text, "      memory: 1.50KB (used: null)\n");
}

static void
test_info_json(void **state)
{
	struct hs_task t;
	json_t *j;
	json_error_t je;

	sample(&t);
	begin();
	assert_int_equal(hs_print_info(mem, &t, HS_FMT_JSON), HS_OK);
	j = json_loads(end(), 0, &je);
	if (j == NULL)
		fail_msg("not JSON: %s\n%s", je.text, text);
	assert_int_equal(json_object_size(j), HS_F_COUNT);
	assert_string_equal(json_string_value(json_object_get(j, "id")), ID1);
	assert_string_equal(json_string_value(json_object_get(j, "args")), "echo \"hi\", there\n2");
	assert_true(json_is_integer(json_object_get(j, "group")));
	assert_int_equal(json_integer_value(json_object_get(j, "exit_status")), -15);
	assert_true(json_is_false(json_object_get(j, "retried")));
	assert_true(json_is_null(json_object_get(j, "command")));
	assert_true(json_real_value(json_object_get(j, "cores_max")) == 1.5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "tag"), "n")), 1);
	has(text, "{\n    \"id\": \"" ID1 "\",\n    \"group\": 0,\n");  /* column order, indent 4 */
	json_decref(j);
}

static void
test_info_yaml(void **state)
{
	struct hs_task t;
	const char *s;

	sample(&t);
	t.f[HS_F_COMMAND] = (struct hs_cell){.s = "'q' it's"};
	t.f[HS_F_OUTPATH] = (struct hs_cell){.s = "true"};
	t.f[HS_F_ERRPATH] = (struct hs_cell){.s = "/tmp/e.txt"};
	t.f[HS_F_CSVPATH] = (struct hs_cell){.s = "a: b"};
	begin();
	assert_int_equal(hs_print_info(mem, &t, HS_FMT_YAML), HS_OK);
	s = end();
	/* a UUID is not a YAML number or timestamp: plain */
	assert_true(strncmp(s, "id: " ID1 "\ngroup: 0\n", 4 + 36 + 10) == 0);
	has(s, "\nargs: \"echo \\\"hi\\\", there\\n2\"\n");  /* JSON-style when escapes needed */
	has(s, "\nsubmit_time: '2026-01-31 12:00:00.000000+00:00'\n");
	has(s, "\ncommand: '''q'' it''s'\n");
	has(s, "\noutpath: 'true'\n");          /* would read as a boolean */
	has(s, "\nerrpath: /tmp/e.txt\n");
	has(s, "\ncsvpath: 'a: b'\n");
	has(s, "\nexit_status: -15\n");
	has(s, "\nretried: false\n");
	has(s, "\nschedule_time: null\n");
	has(s, "\ntag:\n    flag: ''\n    n: 1\n    site: a\n");
}

/* "host:" read as a plain scalar is a mapping indicator: PyYAML fails
 * with "mapping values are not allowed here". It must be quoted. */
static void
test_info_yaml_trailing_colon_quoted(void **state)
{
	struct hs_task t;

	sample(&t);
	t.f[HS_F_SUBMIT_HOST] = (struct hs_cell){.s = "host:"};
	begin();
	hs_print_info(mem, &t, HS_FMT_YAML);
	has(end(), "\nsubmit_host: 'host:'\n");
}

static void
test_info_yaml_empty_tags(void **state)
{
	struct hs_task t;

	sample(&t);
	t.f[HS_F_TAG].s = "{}";
	begin();
	hs_print_info(mem, &t, HS_FMT_YAML);
	has(end(), "\ntag: {}\n");
}

static void
test_print_field(void **state)
{
	struct hs_task t;

	sample(&t);
	begin();
	assert_int_equal(hs_print_field(mem, &t, HS_F_ARGS, HS_FMT_NORMAL), HS_OK);
	assert_int_equal(hs_print_field(mem, &t, HS_F_COMMAND, HS_FMT_NORMAL), HS_OK);
	assert_int_equal(hs_print_field(mem, &t, HS_F_CORES_MAX, HS_FMT_NORMAL), HS_OK);
	assert_int_equal(hs_print_field(mem, &t, HS_F_TAG, HS_FMT_NORMAL), HS_OK);
	assert_int_equal(hs_print_field(mem, &t, HS_F_TAG, HS_FMT_JSON), HS_OK);
	assert_string_equal(end(),
	    "echo \"hi\", there\\n2\n"
	    "null\n"
	    "1.5\n"
	    "flag, n:1, site:a\n"
	    "{\n    \"flag\": \"\",\n    \"n\": 1,\n    \"site\": \"a\"\n}\n");
}

static void
test_bad_tag_json_prints_empty(void **state)
{
	struct hs_task t;

	sample(&t);
	t.f[HS_F_TAG].s = "{not json";
	begin();
	assert_int_equal(hs_print_field(mem, &t, HS_F_TAG, HS_FMT_PLAIN), HS_OK);
	assert_string_equal(end(), "{}\n");
}

static void
test_printer_plain(void **state)
{
	static const int fields[] = {HS_F_ID, HS_F_ARGS, HS_F_EXIT_STATUS, HS_F_COMMAND, HS_F_TAG};
	struct hs_printer *p = NULL;
	struct hs_task t;

	sample(&t);
	begin();
	assert_int_equal(hs_printer_new(HS_FMT_PLAIN, fields, 5, " | ", mem, &p), HS_OK);
	assert_int_equal(hs_printer_task(p, &t), HS_OK);
	t.f[HS_F_ARGS].s = "tab\there";
	assert_int_equal(hs_printer_task(p, &t), HS_OK);
	assert_int_equal(hs_printer_finish(p), HS_OK);
	assert_string_equal(end(),
	    ID1 " | echo \"hi\", there\\n2 | -15 | null | {\"flag\": \"\", \"n\": 1, \"site\": \"a\"}\n"
	    ID1 " | tab\\there | -15 | null | {\"flag\": \"\", \"n\": 1, \"site\": \"a\"}\n");
}

static void
test_printer_csv(void **state)
{
	static const int fields[] = {HS_F_ID, HS_F_ARGS, HS_F_EXIT_STATUS, HS_F_SUBMIT_HOST};
	struct hs_printer *p = NULL;
	struct hs_task t;

	sample(&t);
	begin();
	assert_int_equal(hs_printer_new(HS_FMT_CSV, fields, 4, ",", mem, &p), HS_OK);
	assert_int_equal(hs_printer_task(p, &t), HS_OK);
	t.f[HS_F_ARGS].s = "plain";
	t.f[HS_F_SUBMIT_HOST].s = "has,comma";
	assert_int_equal(hs_printer_task(p, &t), HS_OK);
	hs_printer_finish(p);
	assert_string_equal(end(),
	    "id,args,exit_status,submit_host\r\n"
	    ID1 ",\"echo \"\"hi\"\", there\n2\",-15,host1\r\n"
	    ID1 ",plain,-15,\"has,comma\"\r\n");
}

static void
test_printer_json(void **state)
{
	static const int fields[] = {HS_F_ID, HS_F_GROUP};
	struct hs_printer *p = NULL;
	struct hs_task t;

	sample(&t);
	begin();
	assert_int_equal(hs_printer_new(HS_FMT_JSON, fields, 2, "", mem, &p), HS_OK);
	hs_printer_task(p, &t);
	t.f[HS_F_ID].s = ID2;
	t.f[HS_F_GROUP].i = 3;
	hs_printer_task(p, &t);
	hs_printer_finish(p);
	assert_string_equal(end(),
	    "[\n"
	    "    {\n        \"id\": \"" ID1 "\",\n        \"group\": 0\n    },\n"
	    "    {\n        \"id\": \"" ID2 "\",\n        \"group\": 3\n    }\n"
	    "]\n");
}

static void
test_printer_json_empty(void **state)
{
	static const int fields[] = {HS_F_ID};
	struct hs_printer *p = NULL;

	begin();
	assert_int_equal(hs_printer_new(HS_FMT_JSON, fields, 1, "", mem, &p), HS_OK);
	hs_printer_finish(p);
	assert_string_equal(end(), "[]\n");
	assert_int_equal(hs_printer_finish(NULL), HS_OK);
}

static void
test_printer_table(void **state)
{
	static const int fields[] = {HS_F_GROUP, HS_F_SUBMIT_HOST};
	struct hs_printer *p = NULL;
	struct hs_task t;

	sample(&t);
	begin();
	assert_int_equal(hs_printer_new(HS_FMT_TABLE, fields, 2, "", mem, &p), HS_OK);
	hs_printer_task(p, &t);
	t.f[HS_F_GROUP].i = 12345;
	t.f[HS_F_SUBMIT_HOST].s = "h\xC3\xA9";  /* 2 columns, 3 bytes */
	hs_printer_task(p, &t);
	hs_printer_finish(p);
	assert_string_equal(end(),
	    "┏━━━━━━━┳━━━━━━━━━━━━━┓\n"
	    "┃ group ┃ submit_host ┃\n"
	    "┡━━━━━━━╇━━━━━━━━━━━━━┩\n"
	    "│ 0     │ host1       │\n"
	    "│ 12345 │ h\xC3\xA9          │\n"
	    "└───────┴─────────────┘\n");
}

static void
test_printer_normal(void **state)
{
	static const int fields[] = {HS_F_ID};
	struct hs_printer *p = NULL;
	struct hs_task t;
	const char *s;

	sample(&t);
	begin();
	hs_printer_new(HS_FMT_NORMAL, fields, 1, "", mem, &p);
	hs_printer_task(p, &t);
	hs_printer_task(p, &t);
	hs_printer_finish(p);
	s = end();
	assert_true(strncmp(s, "---\n          id: ", 18) == 0);
	has(s, "tags: flag, n:1, site:a\n---\n          id: ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_format_parse, teardown),
		cmocka_unit_test_teardown(test_info_normal, teardown),
		cmocka_unit_test_teardown(test_info_normal_zero_timeout_is_null, teardown),
		cmocka_unit_test_teardown(test_info_json, teardown),
		cmocka_unit_test_teardown(test_info_yaml, teardown),
		cmocka_unit_test_teardown(test_info_yaml_trailing_colon_quoted, teardown),
		cmocka_unit_test_teardown(test_info_yaml_empty_tags, teardown),
		cmocka_unit_test_teardown(test_print_field, teardown),
		cmocka_unit_test_teardown(test_bad_tag_json_prints_empty, teardown),
		cmocka_unit_test_teardown(test_printer_plain, teardown),
		cmocka_unit_test_teardown(test_printer_csv, teardown),
		cmocka_unit_test_teardown(test_printer_json, teardown),
		cmocka_unit_test_teardown(test_printer_json_empty, teardown),
		cmocka_unit_test_teardown(test_printer_table, teardown),
		cmocka_unit_test_teardown(test_printer_normal, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
