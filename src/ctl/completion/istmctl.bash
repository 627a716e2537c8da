# bash completion for istmctl (docs/istmctl.md). Installed by the package as
# /usr/share/bash-completion/completions/istmctl. The commands, actions and
# options come from istmctl's own help, so they follow the binary in use.

_istmctl_words() # the help text of "istmctl help ARGS..."
{
	"${_istmctl_bin:-istmctl}" help "$@" 2>/dev/null
}

_istmctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local _istmctl_bin=${COMP_WORDS[0]}
	local i=1 w command= action=
	COMPREPLY=()

	# The command: the first word after the global options (and their values).
	while ((i < COMP_CWORD)); do
		w=${COMP_WORDS[i]}
		case $w in
		-s | --server | -u | --user | -p | --password-file | --domain | --auth | --level | \
			--timeout | --config) ((i += 2)) ;;
		-*) ((i++)) ;;
		*) command=$w; break ;;
		esac
	done

	# A value after the option that takes it.
	case $prev in
	--auth) COMPREPLY=($(compgen -W "ntlm spnego" -- "$cur")); return ;;
	--level) COMPREPLY=($(compgen -W "integrity privacy" -- "$cur")); return ;;
	--idle-timeout-detection) COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
	-p | --password-file | --config | --users-file | --secret-file)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-s | --server | -u | --user | --domain | --timeout | --description | --iqn | --name | \
		--size | --lun | --max-recv-data-segment-length | --first-burst-length | \
		--max-burst-length | --num-recv-buffers)
		return ;;
	esac

	if [[ -z $command ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--server --user --password-file --domain --auth \
				--level --timeout --config --json --version --help" -- "$cur"))
		else
			local commands=$(_istmctl_words | sed -n '/^Commands/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi
	if [[ $command == help ]]; then
		if ((COMP_CWORD == i + 1)); then
			local commands=$(_istmctl_words | sed -n '/^Commands/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	# The actions of a command family: "istmctl [OPTIONS] target create ...".
	local usage=$(_istmctl_words "$command")
	local actions=$(sed -n "s/^.*istmctl \(\[OPTIONS\] \)\{0,1\}$command \([a-z][a-z-]*\).*/\2/p" <<<"$usage")
	if [[ -n $actions ]]; then
		if ((COMP_CWORD == i + 1)); then
			COMPREPLY=($(compgen -W "$actions --help" -- "$cur"))
			return
		fi
		action=${COMP_WORDS[i + 1]}
		usage=$(_istmctl_words "$command" "$action")
	fi
	if [[ $cur == -* ]]; then
		local options=$({ grep -o -- '--[a-z][a-z-]*' <<<"$usage"; printf '%s\n' --json --help; } | sort -u)
		COMPREPLY=($(compgen -W "$options" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

complete -F _istmctl istmctl
