# Configuration: files, layering, environment, _env/_eval, hs config.

user_cfg() { mkdir -p "$HOME/.hypershell"; cat > "$HOME/.hypershell/config.toml"; }
local_cfg() { mkdir -p "$HYPERSHELL_SITE"; cat > "$HYPERSHELL_SITE/config.toml"; }

test_get_defaults() {
	assert_eq 50001 "$(hs config get server.port)"
	assert_eq localhost "$(hs config get server.bind)"
	assert_eq true "$(hs config get server.tls.enabled)"
	assert_eq "***" "$(hs config get server.auth)"
	assert_eq "<not-secure>" "$(hs config get server.auth --reveal)"
	run hs config get server.tls
	assert_rc 0
	assert_has "$out" "[server.tls]"
	assert_has "$out" 'min_version = "TLSv1.2"'
}

test_layering_precedence() {
	printf '[server]\nport = 5001\nbind = "a"\nhost = "u"\n' | user_cfg
	printf '[server]\nport = 5002\nbind = "b"\n' | local_cfg
	assert_eq 5002 "$(hs config get server.port)"
	assert_eq u "$(hs config get server.host)"
	assert_eq 5003 "$(HYPERSHELL_SERVER_PORT=5003 hs config get server.port)"
	run hs config which server.host
	assert_eq "u (user: $HOME/.hypershell/config.toml | default: localhost)" "$out"
	run hs config which server.port
	assert_eq "5002 (local: $HYPERSHELL_SITE/config.toml | default: 50001)" "$out"
	assert_eq local "$(hs config which server.port --site)"
	assert_eq "1 (default)" "$(hs config which client.bundlesize)"
}

test_env_names_with_underscores() {
	export HYPERSHELL_SERVER_TLS_MIN_VERSION=TLSv1.3
	export HYPERSHELL_SUBMIT_MAX_LINE_LENGTH=4096
	assert_eq TLSv1.3 "$(hs config get server.tls.min_version)"
	assert_eq 4096 "$(hs config get submit.max_line_length)"
	run hs config which server.tls.min_version
	assert_eq "TLSv1.3 (env: HYPERSHELL_SERVER_TLS_MIN_VERSION | default: TLSv1.2)" "$out"
}

test_env_bad_value_exit_3() {
	HYPERSHELL_SERVER_PORT=abc run hs config get server.port
	assert_rc 3
	assert_has "$err" "HYPERSHELL_SERVER_PORT: expected an integer, got 'abc'"
	HYPERSHELL_LOGGING_LEVEL=loud run hs list --count
	assert_rc 3
	assert_has "$err" "HYPERSHELL_LOGGING_LEVEL: 'loud' is not one of"
}

test_unknown_env_variable_warned() {
	HYPERSHELL_SERVR_PORT=1 run hs config get server.port
	assert_rc 0
	assert_has "$err" "Ignoring unknown environment variable HYPERSHELL_SERVR_PORT"
}

test_env_and_eval_suffixes() {
	printf '[server]\nauth_env = "MY_KEY"\n[database]\npassword_eval = "echo s3cret-from-eval"\n' | user_cfg
	export MY_KEY=abcdefghijklmnopqrstuvwxyz
	assert_eq "***" "$(hs config get server.auth)"
	assert_eq abcdefghijklmnopqrstuvwxyz "$(hs config get server.auth --reveal)"
	assert_eq s3cret-from-eval "$(hs config get database.password --reveal)"
	run hs config get server
	assert_has "$out" 'auth_env = "MY_KEY"'
	assert_lacks "$out" "abcdefghij"
	run hs config get server -x
	assert_has "$out" 'auth = "***"'
	run hs config get server -x --reveal
	assert_has "$out" 'auth = "abcdefghijklmnopqrstuvwxyz"'
	HYPERSHELL_SERVER_AUTH_EVAL='printf envkey' run hs config get server.auth --reveal
	assert_eq envkey "$out"
}

test_eval_runs_only_when_read_and_failure_is_exit_3() {
	printf '[database]\npassword_eval = "touch %s/ran; exit 7"\n' "$TMP" | user_cfg
	run hs config get server.port
	assert_rc 0
	[ ! -e "$TMP/ran" ] || fail "_eval ran although the key was not read"
	run hs config get database.password
	assert_rc 3
	assert_has "$err" "database.password_eval: command exited with status 7"
}

test_eval_value_is_not_reinterpreted() {
	# the command text reaches sh -c once, exactly as written
	printf '[database]\npassword_eval = "printf %%s \\"$HOME\\"\x27$HOME\x27"\n' | user_cfg
	assert_eq "$HOME\$HOME" "$(hs config get database.password --reveal)"
}

test_both_forms_in_one_layer_exit_3() {
	printf '[server]\nauth = "abc"\nauth_eval = "echo x"\n' | user_cfg
	run hs config get server.port
	assert_rc 3
	assert_has "$err" "both server.auth and server.auth_eval are set"
}

test_higher_layer_form_wins_over_default() {
	# the original failed here: auth in the defaults plus auth_eval in a file
	printf '[server]\nauth_eval = "echo fromeval"\n' | user_cfg
	assert_eq fromeval "$(hs config get server.auth --reveal)"
}

test_syntax_error_exit_3_with_location() {
	printf '[server]\nport = 5001\nbind = \n' | user_cfg
	run hs list --count
	assert_rc 3
	assert_has "$err" "$HOME/.hypershell/config.toml:3:"
}

test_type_and_bounds_errors_exit_3() {
	printf '[server]\nport = "high"\n' | user_cfg
	run hs list --count
	assert_rc 3
	assert_has "$err" "config.toml:2: server.port: expected an integer, got string"
	printf '[server]\nport = 70000\n' | user_cfg
	run hs list --count
	assert_rc 3
	assert_has "$err" "server.port: 70000 is outside 1..65535"
	printf 'server = 5\n' | user_cfg
	run hs list --count
	assert_rc 3
	assert_has "$err" "server: expected a table"
}

test_unknown_key_warned_with_location() {
	printf '[server]\nport = 5001\nprot = 2\n[nosuch]\nx = 1\n' | user_cfg
	run hs config get server.port
	assert_rc 0
	assert_has "$err" "config.toml:3: unknown configuration key 'server.prot'"
	assert_has "$err" "config.toml:4: unknown configuration key 'nosuch'"
}

test_secret_in_readable_file_warned() {
	printf '[server]\nauth = "abcdefghijklmnopqrstuvwxyz"\n' | user_cfg
	chmod 644 "$HOME/.hypershell/config.toml"
	run hs config get server.port
	assert_has "$err" "$HOME/.hypershell/config.toml holds a secret (server.auth) but is readable"
	assert_lacks "$err" "abcdefghij"
	chmod 600 "$HOME/.hypershell/config.toml"
	run hs config get server.port
	assert_lacks "$err" "holds a secret"
}

test_config_file_variable() {
	printf '[server]\nport = 1111\n' | user_cfg
	printf '[server]\nport = 2222\n' > only.toml
	assert_eq 2222 "$(HYPERSHELL_CONFIG_FILE=$PWD/only.toml hs config get server.port)"
	assert_eq 50001 "$(HYPERSHELL_CONFIG_FILE= hs config get server.port)"
}

test_set_preserves_comments_and_backs_up() {
	printf '# my settings\n[server]\n# the port\nport = 5001 # inline\n\n[logging]\nlevel = "info"\n' | user_cfg
	run hs config set server.port 6000
	assert_rc 0
	run hs config set server.bind 0.0.0.0
	assert_rc 0
	run hs config set client.timeout 30
	assert_rc 0
	f=$HOME/.hypershell/config.toml
	assert_has "$(cat "$f")" "# my settings"
	assert_has "$(cat "$f")" "# the port"
	assert_eq 6000 "$(hs config get server.port)"
	assert_eq 0.0.0.0 "$(hs config get server.bind)"
	assert_eq 30 "$(hs config get client.timeout | cut -d. -f1)"
	ls "$HOME/.hypershell"/.config.*.toml >/dev/null || fail "no backup"
}

test_set_creates_file_and_validates() {
	run hs config set logging.level debug
	assert_rc 0
	assert_eq debug "$(hs config get logging.level)"
	run hs config set server.port notanumber
	assert_rc 2
	assert_has "$err" "expected an integer"
	run hs config set nosection value
	assert_rc 2
	assert_has "$err" "Missing section"
	run hs config set server.nope 1
	assert_rc 2
	assert_has "$err" "unknown configuration key"
	run hs config set export.MY_VAR 42 --local
	assert_rc 0
	assert_has "$(cat "$HYPERSHELL_SITE/config.toml")" "MY_VAR = 42"
}

test_set_secret_makes_file_private() {
	run hs config set server.auth abcdefghijklmnopqrstuvwxyz
	assert_rc 0
	assert_eq 600 "$(stat -c %a "$HOME/.hypershell/config.toml")"
	assert_lacks "$out$err" "abcdefghij"
}

test_set_inside_inline_table_falls_back_to_canonical() {
	printf 'server = { port = 1, bind = "x" }\n' | user_cfg
	run hs config set server.port 2
	assert_rc 0
	assert_eq 2 "$(hs config get server.port)"
	assert_eq x "$(hs config get server.bind)"
}

test_paths() {
	assert_eq "$HOME/.hypershell/config.toml" "$(hs config --user)"
	assert_eq "$HYPERSHELL_SITE/config.toml" "$(hs config --local)"
	assert_eq "/etc/hypershell.toml" "$(hs config --system)"
}

test_get_layer_and_default() {
	printf '[server]\nport = 5001\n' | user_cfg
	assert_eq 5001 "$(hs config get server.port --user)"
	run hs config get server.port --local
	assert_rc 3
	assert_has "$err" "does not exist"
	assert_eq 50001 "$(hs config get server.port --default)"
	run hs config get server.nothing
	assert_rc 3
	assert_has "$err" '"server.nothing" not found'
}

test_edit_runs_editor_and_validates() {
	cat > ed.sh <<'X'
#!/bin/sh
printf '[server]\nport = 7777\n' >> "$1"
X
	chmod +x ed.sh
	EDITOR="$PWD/ed.sh" run hs config edit
	assert_rc 0
	assert_eq 7777 "$(hs config get server.port)"
	cat > bad.sh <<'X'
#!/bin/sh
printf 'this is = = not toml\n' >> "$1"
X
	chmod +x bad.sh
	EDITOR="$PWD/bad.sh" run hs config edit
	assert_rc 3
	assert_has "$err" "config.toml:3:"
	# a broken file can still be edited (and fixed) with hs config edit
	printf '#!/bin/sh\nprintf "[server]\\nport = 1\\n" > "$1"\n' > fix.sh
	chmod +x fix.sh
	EDITOR="$PWD/fix.sh" run hs config edit
	assert_rc 0
	run hs config edit
	assert_rc 5
	assert_has "$err" "EDITOR or VISUAL"
}

test_logging_level_and_style_from_config() {
	printf '[logging]\nlevel = "debug"\nstyle = "system"\n' | local_cfg
	run bash -c "echo x | $HS_BIN submit"
	assert_rc 0
	assert_has "$err" "   DEBUG ["
	assert_has "$err" "] [hypershell.submit] "
	assert_has "$err" "Submitted 1 task"
	[[ "$err" =~ [0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\.[0-9]{3} ]] || fail "no timestamp: $err"
	printf '[logging]\nlevel = "error"\n' | local_cfg
	run bash -c "echo x | $HS_BIN submit"
	assert_eq "" "$err"
}

test_no_color_unless_forced() {
	run bash -c "echo x | $HS_BIN submit"
	assert_lacks "$err" $'\033['
	run bash -c "echo x | FORCE_COLOR=1 NO_COLOR= $HS_BIN submit"
	assert_has "$err" $'\033['
}
