/* cfgfile.h: editing configuration files in place. */
#ifndef HS_CFGFILE_H
#define HS_CFGFILE_H

#include <stdbool.h>

#include "err.h"

/* Set key (dotted) to literal (TOML value text) in the file at path,
 * creating it if needed and keeping comments where it can. A secret makes
 * the file mode 0600. The previous file is kept as .config.<time>.toml. */
hs_err cfgfile_set(const char *path, const char *key, const char *literal,
                   bool secret);

#endif
