# hypershell: GNU make + pkg-config.
#
#   make            build build/hs (and the hsx, hyper-shell links)
#   make check      install missing packages, build, run every test suite
#   make demo       install missing packages, build, run a local demo
#   make install    PREFIX=/usr/local DESTDIR=
#   make fuzz       run each libFuzzer target longer (FUZZ_SECONDS=300)

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
CLANG    ?= clang
PKGS     := sqlite3 libpq jansson libssl libcrypto libevent libevent_openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter -Werror
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Isrc
LDLIBS   := $(PKG_LIBS) -lm

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=undefined -fno-omit-frame-pointer

B        := build
SRC      := $(wildcard src/*.c)
LIBSRC   := $(filter-out src/main.c,$(SRC))
OBJ      := $(SRC:src/%.c=$(B)/obj/%.o)
LIBOBJ   := $(LIBSRC:src/%.c=$(B)/obj/%.o)
ASANOBJ  := $(LIBSRC:src/%.c=$(B)/asan/obj/%.o)
FUZZOBJ  := $(LIBSRC:src/%.c=$(B)/fuzz/obj/%.o)
UNITSRC  := $(wildcard tests/unit/test_*.c)
UNITBIN  := $(UNITSRC:tests/unit/%.c=$(B)/tests/%)
ASANUNIT := $(UNITSRC:tests/unit/%.c=$(B)/asan/tests/%)
FUZZSRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZBIN  := $(FUZZSRC:tests/fuzz/%.c=$(B)/fuzz/%)
LINKS    := $(B)/hsx $(B)/hyper-shell

.PHONY: all check demo install uninstall clean deps tests asan fuzz-build fuzz soak bench lint docs
all: $(B)/hs $(LINKS)

$(B)/obj/%.o: src/%.c $(wildcard src/*.h) | $(B)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/hs: $(OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJ) $(LDLIBS)

$(LINKS): | $(B)/hs
	ln -sf hs $@

$(B)/obj $(B)/tests $(B)/asan/obj $(B)/asan/tests $(B)/fuzz/obj:
	mkdir -p $@

# Unit tests: one cmocka binary per tests/unit/test_*.c, linked with every
# module except main.c.
$(B)/tests/%: tests/unit/%.c $(LIBOBJ) tests/unit/testutil.h | $(B)/tests
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIBOBJ) $(LDLIBS) $(CMOCKA_LIBS)

$(B)/tests/toml_test: tests/toml/toml_test.c $(LIBOBJ) | $(B)/tests
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

$(B)/bench/manyclients: bench/manyclients.c $(LIBOBJ)
	@mkdir -p $(B)/bench
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

$(B)/bench/schedule: bench/schedule.c $(LIBOBJ)
	@mkdir -p $(B)/bench
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

$(B)/bench/bare_insert: bench/bare_insert.c
	@mkdir -p $(B)/bench
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

tests: all $(UNITBIN) $(B)/tests/toml_test $(B)/gen_config_doc

$(B)/gen_config_doc: tools/gen_config_doc.c $(LIBOBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

docs: $(B)/gen_config_doc
	$(B)/gen_config_doc > docs/config.md

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
$(B)/asan/obj/%.o: src/%.c $(wildcard src/*.h) | $(B)/asan/obj
	$(CC) $(ALL_CFLAGS) -O1 $(SAN_FLAGS) -c -o $@ $<

$(B)/asan/hs: $(ASANOBJ) $(B)/asan/obj/main.o
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)
	ln -sf hs $(B)/asan/hsx
	ln -sf hs $(B)/asan/hyper-shell

$(B)/asan/tests/%: tests/unit/%.c $(ASANOBJ) tests/unit/testutil.h | $(B)/asan/tests
	$(CC) $(ALL_CFLAGS) -O1 $(SAN_FLAGS) -Itests/unit -o $@ $< $(ASANOBJ) $(LDLIBS) $(CMOCKA_LIBS)

$(B)/asan/tests/toml_test: tests/toml/toml_test.c $(ASANOBJ) | $(B)/asan/tests
	$(CC) $(ALL_CFLAGS) -O1 $(SAN_FLAGS) -o $@ $< $(ASANOBJ) $(LDLIBS)

asan: $(B)/asan/hs $(ASANUNIT) $(B)/asan/tests/toml_test

# libFuzzer targets (clang only).
$(B)/fuzz/obj/%.o: src/%.c $(wildcard src/*.h) | $(B)/fuzz/obj
	$(CLANG) $(ALL_CFLAGS) -Wno-unused-command-line-argument -O1 $(FUZZ_FLAGS) -c -o $@ $<

$(B)/fuzz/%: tests/fuzz/%.c $(FUZZOBJ)
	$(CLANG) $(ALL_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $< $(FUZZOBJ) $(LDLIBS)

fuzz-build: $(FUZZBIN)

fuzz: deps fuzz-build
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} scripts/fuzz.sh $(FUZZBIN)

# 30 minutes of faults per backend, memory and descriptors sampled (not in CI)
soak: deps all
	scripts/soak.sh

deps:
	@scripts/deps.sh

check: deps
	$(MAKE) all tests asan fuzz-build
	scripts/check.sh

demo: deps
	$(MAKE) all
	scripts/demo.sh

bench: all $(B)/bench/bare_insert $(B)/bench/manyclients $(B)/bench/schedule
	bench/submit.sh
	bench/list.sh
	bench/queue.sh
	B=100 bench/queue.sh
	bench/latency.sh
	bench/memory.sh
	bench/cluster.sh
	bench/pg.sh

lint:
	scripts/lint.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(B)/hs $(DESTDIR)$(PREFIX)/bin/hs
	ln -sf hs $(DESTDIR)$(PREFIX)/bin/hsx
	ln -sf hs $(DESTDIR)$(PREFIX)/bin/hyper-shell
	install -m 0644 man/hs.1 $(DESTDIR)$(PREFIX)/share/man/man1/hs.1
	ln -sf hs.1 $(DESTDIR)$(PREFIX)/share/man/man1/hsx.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/hs $(DESTDIR)$(PREFIX)/bin/hsx \
	    $(DESTDIR)$(PREFIX)/bin/hyper-shell \
	    $(DESTDIR)$(PREFIX)/share/man/man1/hs.1 \
	    $(DESTDIR)$(PREFIX)/share/man/man1/hsx.1

clean:
	rm -rf $(B)
