/* cfgfile.c: change one key in a TOML configuration file (hs config set).
 *
 * The edit is made on the text, so comments and layout survive: an existing
 * value is replaced where it stands; a new key goes under its [section]
 * header, or into a new section at the end. The result is parsed again and
 * must hold exactly the new value; if the text edit cannot achieve that
 * (inline tables, dotted keys), the file is rewritten in canonical form
 * and the edit made there. The old file is kept as a timestamped backup,
 * and the new one replaces it atomically.
 */
#include "cfgfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "site.h"
#include "tomlw.h"

#define FILE_MAX (1 << 20)

/* Start of line n (1-based) in text, or NULL. */
static const char *
line_start(const char *text, int n)
{
	const char *p = text;

	for (int i = 1; i < n && p != NULL; i++)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	return p;
}

static const char *
line_end(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl : p + strlen(p);
}

/* Byte offset of code point col (1-based) on the line starting at p: the
 * TOML reader counts columns in code points. */
static size_t
col_offset(const char *p, int col)
{
	size_t o = 0;

	for (int c = 1; c < col && p[o] != '\0' && p[o] != '\n'; c++)
		for (o++; ((unsigned char)p[o] & 0xc0) == 0x80; o++)
			;
	return o;
}

/* Replace the existing value v (from col on its first line to the end of
 * its last line) with literal. */
static hs_err
replace_value(struct hs_buf *out, const char *text, const struct toml_value *v,
              const char *literal)
{
	const char *first = line_start(text, v->line), *last = line_start(text, v->line_end);
	hs_err e;

	if (first == NULL || last == NULL || v->col < 1)
		return HS_EINPUT;
	if ((e = hs_buf_append(out, text, (size_t)(first - text) + col_offset(first, v->col))) != HS_OK ||
	    (e = hs_buf_puts(out, literal)) != HS_OK)
		return e;
	return hs_buf_puts(out, line_end(last));
}

static bool
is_header(const char *p, const char *q, const char *section)
{
	size_t n = strlen(section);

	const char *hash = memchr(p, '#', (size_t)(q - p));

	if (hash != NULL)
		q = hash;  /* "[server] # comment" */
	while (p < q && (*p == ' ' || *p == '\t'))
		p++;
	while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r'))
		q--;
	return (size_t)(q - p) == n + 2 && p[0] == '[' && q[-1] == ']' &&
	       strncmp(p + 1, section, n) == 0;
}

/* Insert "leaf = literal" under [section], or append the section. */
static hs_err
insert_key(struct hs_buf *out, const char *text, const char *section,
           const char *leaf, const char *literal)
{
	const char *p = text, *q;
	hs_err e;

	for (; *p != '\0'; p = *q ? q + 1 : q) {
		q = line_end(p);
		if (!is_header(p, q, section))
			continue;
		if ((e = hs_buf_append(out, text, (size_t)(q - text))) != HS_OK ||
		    (e = hs_buf_printf(out, "\n%s = %s", leaf, literal)) != HS_OK)
			return e;
		return hs_buf_puts(out, q);
	}
	if ((e = hs_buf_puts(out, text)) != HS_OK)
		return e;
	if (out->len > 0 && out->data[out->len - 1] != '\n' && (e = hs_buf_putc(out, '\n')))
		return e;
	return hs_buf_printf(out, "%s[%s]\n%s = %s\n", out->len ? "\n" : "", section,
	                     leaf, literal);
}

/* True if text parses and holds literal at key. */
static bool
verify(const char *text, const char *key, const char *literal)
{
	struct toml_value *doc = NULL, *lit = NULL;
	struct hs_buf a = HS_BUF_INIT(FILE_MAX), b = HS_BUF_INIT(FILE_MAX), l = HS_BUF_INIT(FILE_MAX);
	struct toml_error te;
	const struct toml_value *v;
	bool ok = false;

	if (hs_buf_printf(&l, "x = %s\n", literal) == HS_OK &&
	    toml_parse(l.data, l.len, &lit, &te) == HS_OK &&
	    toml_parse(text, strlen(text), &doc, &te) == HS_OK &&
	    (v = toml_get_path(doc, key)) != NULL &&
	    tomlw_value(&a, v) == HS_OK && tomlw_value(&b, toml_get(lit, "x")) == HS_OK)
		ok = strcmp(hs_buf_str(&a), hs_buf_str(&b)) == 0;
	toml_free(doc);
	toml_free(lit);
	hs_buf_free(&a);
	hs_buf_free(&b);
	hs_buf_free(&l);
	return ok;
}

/* One attempt at editing text; HS_EINPUT if the result is not right. */
static hs_err
edit_text(const char *text, const char *key, const char *literal, struct hs_buf *out)
{
	struct toml_value *doc = NULL;
	struct toml_error te;
	const struct toml_value *v;
	char section[256];
	const char *dot = strrchr(key, '.');
	hs_err e;

	if ((e = toml_parse(text, strlen(text), &doc, &te)) != HS_OK)
		return e;
	v = toml_get_path(doc, key);
	if (v != NULL && v->type == TOML_TABLE)
		e = hs_fail(HS_EUSAGE, "%s is a section, not a value", key);
	else if (v != NULL)
		e = replace_value(out, text, v, literal);
	else if (dot == NULL || (size_t)(dot - key) >= sizeof section)
		e = HS_EINPUT;
	else {
		memcpy(section, key, (size_t)(dot - key));
		section[dot - key] = '\0';
		e = insert_key(out, text, section, dot + 1, literal);
	}
	toml_free(doc);
	if (e == HS_OK && !verify(hs_buf_str(out), key, literal))
		e = HS_EINPUT;
	return e;
}

static hs_err
canonical(const char *text, struct hs_buf *out)
{
	struct toml_value *doc = NULL;
	struct toml_error te;
	hs_err e;

	if ((e = toml_parse(text, strlen(text), &doc, &te)) == HS_OK)
		e = tomlw_document(out, doc);
	toml_free(doc);
	return e;
}

static hs_err
new_text(const char *old, const char *key, const char *literal, struct hs_buf *out)
{
	struct hs_buf canon = HS_BUF_INIT(FILE_MAX);
	hs_err e = edit_text(old, key, literal, out);

	if (e != HS_EINPUT)
		return e;
	hs_buf_reset(out);
	if ((e = canonical(old, &canon)) == HS_OK &&
	    (e = edit_text(hs_buf_str(&canon), key, literal, out)) == HS_OK)
		log_warning("Rewrote the file in canonical form to set %s; comments were "
		            "not kept (the backup has them)", key);
	hs_buf_free(&canon);
	return e == HS_EINPUT ? hs_fail(HS_ECONFIG, "cannot set %s in this file", key) : e;
}

/* --- files -------------------------------------------------------------- */

static hs_err
read_all(const char *path, struct hs_buf *out, bool *exists, mode_t *mode)
{
	char chunk[8192];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	hs_err e = HS_OK;

	*exists = fd >= 0;
	if (fd < 0)
		return errno == ENOENT ? HS_OK
		       : hs_fail(HS_EIO, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0)
		*mode = st.st_mode & 0777;
	while (e == HS_OK && (n = read(fd, chunk, sizeof chunk)) > 0)
		e = hs_buf_append(out, chunk, (size_t)n);
	close(fd);
	if (e == HS_OK && out->len > 0 && strlen(out->data) != out->len)
		e = hs_fail(HS_ECONFIG, "%s contains a NUL byte", path);
	return e == HS_ELIMIT ? hs_fail(HS_ECONFIG, "%s is too large", path) : e;
}

static hs_err
write_file(const char *path, const char *text, mode_t mode)
{
	char tmp[4096];
	int fd;
	size_t len = strlen(text);

	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp)
		return hs_fail(HS_EIO, "path too long: %s", path);
	if ((fd = mkstemp(tmp)) < 0)
		return hs_fail(HS_EIO, "cannot write %s: %s", path, strerror(errno));
	if (fchmod(fd, mode) != 0 || write(fd, text, len) != (ssize_t)len ||
	    fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		int err = errno;
		unlink(tmp);
		return hs_fail(HS_EIO, "cannot write %s: %s", path, strerror(err));
	}
	return HS_OK;
}

static hs_err
backup(const char *path, const char *text, mode_t mode)
{
	char name[64], *dir = strdup(path), *slash, *bpath;
	time_t now = time(NULL);
	struct tm tm;
	hs_err e;

	if (dir == NULL)
		return HS_ENOMEM;
	localtime_r(&now, &tm);
	strftime(name, sizeof name, ".config.%Y%m%d-%H%M%S.toml", &tm);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	bpath = hs_path_join(slash ? dir : ".", name);
	e = bpath ? write_file(bpath, text, mode) : HS_ENOMEM;
	if (e == HS_OK)
		log_debug("Created backup file (%s)", bpath);
	free(bpath);
	free(dir);
	return e;
}

hs_err
cfgfile_set(const char *path, const char *key, const char *literal, bool secret)
{
	struct hs_buf old = HS_BUF_INIT(FILE_MAX), out = HS_BUF_INIT(2 * FILE_MAX);
	bool exists = false;
	mode_t mode = 0644;
	time_t now = time(NULL);
	hs_err e;

	hs_detail_clear();
	if ((e = read_all(path, &old, &exists, &mode)) != HS_OK)
		goto out;
	if (!exists)
		e = hs_buf_printf(&old, "# File automatically created on %s"
		                  "# Settings here are merged automatically with defaults "
		                  "and environment variables\n", ctime(&now));
	if (e == HS_OK)
		e = new_text(hs_buf_str(&old), key, literal, &out);
	if (e == HS_ECONFIG && *hs_detail() == '\0')
		e = hs_fail(HS_ECONFIG, "%s does not parse; fix it with 'hs config edit'", path);
	if (e != HS_OK)
		goto out;
	if (secret && (mode & 077) != 0) {
		log_info("Restricting %s to mode 0600: it holds a secret (%s)", path, key);
		mode = 0600;
	}
	if (exists && (e = backup(path, hs_buf_str(&old), mode)) != HS_OK)
		goto out;
	if ((e = hs_mkdirs_for(path)) == HS_OK)
		e = write_file(path, hs_buf_str(&out), mode);
out:
	hs_buf_free(&old);
	hs_buf_free(&out);
	return e;
}
