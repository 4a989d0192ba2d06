/* testutil.h: includes every cmocka test needs, in the order cmocka wants. */
#ifndef HS_TESTUTIL_H
#define HS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
