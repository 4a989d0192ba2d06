/* test_crash.c: unit tests for the crash limit's bookkeeping (src/crash.c). */
#include "testutil.h"

#include "crash.h"

#include <stdio.h>
#include <string.h>

static void
id_of(int i, char out[HS_UUID_STRLEN + 1])
{
	snprintf(out, HS_UUID_STRLEN + 1, "0190a1b2-0000-7000-8000-%012d", i);
}

static void
test_idset(void **state)
{
	struct hs_idset s = {0}, t = {0};
	char id[HS_UUID_STRLEN + 1];

	for (int i = 0; i < 20; i++) {   /* grows past its first 8 */
		id_of(i, id);
		assert_int_equal(hs_idset_add(&s, id), HS_OK);
	}
	id_of(3, id);
	assert_int_equal(hs_idset_add(&s, id), HS_OK);   /* already in: no copy */
	assert_int_equal(s.n, 20);
	assert_true(hs_idset_del(&s, id));
	assert_false(hs_idset_del(&s, id));
	assert_int_equal(s.n, 19);
	id_of(19, id);
	assert_true(hs_idset_del(&s, id));   /* the last one */
	id_of(0, id);
	assert_true(hs_idset_del(&s, id));   /* the first one: the last moves in */
	assert_int_equal(s.n, 17);
	assert_int_equal(hs_idset_add(&s, "not-a-uuid-but-far-too-long-to-be-one-at-all"), HS_EINPUT);
	hs_idset_move(&t, &s);
	assert_int_equal(t.n, 17);
	assert_int_equal(s.n, 0);
	assert_null(s.ids);
	id_of(5, id);
	assert_true(hs_idset_del(&t, id));
	hs_idset_free(&t);
	hs_idset_free(&s);
}

static void
test_crashes(void **state)
{
	struct hs_crashes c = {0};
	char a[HS_UUID_STRLEN + 1], b[HS_UUID_STRLEN + 1];

	id_of(1, a);
	id_of(2, b);
	assert_int_equal(hs_crashes_add(&c, a), 1);
	assert_int_equal(hs_crashes_add(&c, b), 1);
	assert_int_equal(hs_crashes_add(&c, a), 2);
	assert_int_equal(hs_crashes_add(&c, a), 3);
	for (int i = 10; i < 40; i++) {
		id_of(i, b);
		assert_int_equal(hs_crashes_add(&c, b), 1);
	}
	assert_int_equal(hs_crashes_add(&c, a), 4);
	assert_int_equal(hs_crashes_add(&c, "0190a1b2-0000-7000-8000-0000000000001"), -1);
	hs_crashes_free(&c);
	assert_int_equal(c.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idset),
		cmocka_unit_test(test_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
