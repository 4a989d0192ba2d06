/* tomlw.h: writing TOML text (for hs config get and hs config set). */
#ifndef HS_TOMLW_H
#define HS_TOMLW_H

#include "buf.h"
#include "toml.h"

/* A basic string "..." with escapes. */
hs_err tomlw_string(struct hs_buf *b, const char *s, size_t len);
/* A key: bare if it can be, else quoted. */
hs_err tomlw_key(struct hs_buf *b, const char *key, size_t len);
/* A float that reads back as the same double and as a float. */
hs_err tomlw_float(struct hs_buf *b, double d);
/* Any value in inline form (arrays and tables inline). */
hs_err tomlw_value(struct hs_buf *b, const struct toml_value *v);
/* A whole document: a table's scalars, then [sub.tables], then [[arrays]]. */
hs_err tomlw_document(struct hs_buf *b, const struct toml_value *root);

#endif
