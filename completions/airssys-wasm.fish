# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_airssys_wasm_global_optspecs
    string join \n q/quiet v/verbose color= format= h/help V/version
end

function __fish_airssys_wasm_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_airssys_wasm_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_airssys_wasm_using_subcommand
    set -l cmd (__fish_airssys_wasm_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "init" -d 'Create a component project from a template'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "templates" -d 'List the project templates'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "validate" -d 'Check the manifest, the WIT and the built component against each other'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "build" -d 'Build the component and publish it to target/airssys/'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "test" -d 'Build if stale, then run the cases in tests/*.toml'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "run" -d 'Run a component once on the embedded runtime'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "pipeline" -d 'Compose components into a pipeline: new, validate, run, graph'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "serve" -d 'Run the deployment host'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "studio" -d 'Edit a directory\'s pipelines in the browser, on a throw-away local host'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "deploy" -d 'Upload an immutable version to a host (builds a project first)'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "update" -d 'Roll out an uploaded version, or promote/abort a canary'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "rollback" -d 'Switch back at once (to the previous version by default)'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "undeploy" -d 'Stop serving a component (versions and history are kept)'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "status" -d 'List the host\'s deployments'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "history" -d 'List a component\'s versions with who deployed them and when'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "audit" -d 'Show the audit log, or verify its hash chain'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "monitor" -d 'Live metrics per component and version'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c airssys-wasm -n "__fish_airssys_wasm_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -l lang -d 'Source language (picks its template)' -r -f -a "rust\t''
c\t''
cpp\t''
python\t''
js\t''
ts\t''
go\t''
prebuilt\t''"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -l template -d 'Template name (see `airssys-wasm templates`); overrides --lang' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -l path -d 'Directory to create [default: ./<name>]' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -l description -d 'One-line description of the component' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -s y -l yes -d 'Accept defaults without prompting'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand init" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand templates" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand templates" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand templates" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand templates" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand templates" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand templates" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand validate" -l wasm -d 'Check this component instead of the project\'s built artifact' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand validate" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand validate" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand validate" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand validate" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand validate" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand build" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand build" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand build" -l debug -d 'Build with the debug profile instead of release'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand build" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand build" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand build" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand build" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand test" -l filter -d 'Run only the cases whose name (`file::case`) contains this text' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand test" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand test" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand test" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand test" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand test" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l manifest -d 'Manifest governing a .wasm file (default: no permissions)' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l input -d 'Input data (of `execute`, or of a pipeline\'s entry nodes), as a string' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l input-file -d 'Input data, read from a file (`-` for stdin)' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l meta -d 'Input metadata, repeatable' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l with -d 'Load another component for `messaging` (project dir or .wasm), repeatable' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l listen -d 'Serve over HTTP on this address instead of running once (e.g. 127.0.0.1:7070)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l max-memory -d 'Memory cap per instance, e.g. 64MiB or 1GiB (default: the manifest\'s, or none for a command)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l timeout -d 'Wall-clock limit per call (or for the whole program), e.g. 2s or 500ms' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l fuel -d 'Instruction budget per call (or for the whole program)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -l hot-reload -d 'With --listen: rebuild and swap in place when the sources (or the .wasm) change'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand run" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -f -a "new" -d 'Write a Pipeline.toml chaining the component projects of a directory'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -f -a "validate" -d 'Check the graph, every node\'s own manifest, WIT and component, and show what the pipeline may do, node by node'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -f -a "run" -d 'Run the pipeline once on the embedded runtime and print its output'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -f -a "graph" -d 'Print the pipeline\'s graph (text, DOT or Mermaid)'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and not __fish_seen_subcommand_from new validate run graph help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from new" -l name -d 'The pipeline\'s name (default: the directory\'s name)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from new" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from new" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from new" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from new" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from new" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from validate" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from validate" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from validate" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from validate" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from validate" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -l input -d 'Input data (of `execute`, or of a pipeline\'s entry nodes), as a string' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -l input-file -d 'Input data, read from a file (`-` for stdin)' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -l meta -d 'Input metadata, repeatable' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -l listen -d 'Serve over HTTP on this address instead of running once (POST /v1/pipelines/<name>/invoke)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -l trace -d 'Print each node\'s timing, attempts, result and compensation as a tree'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -l hot-reload -d 'With --listen: reload when the pipeline file or any node\'s sources change'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from graph" -l style -d 'How to draw it' -r -f -a "text\t'One line per node with what it needs'
dot\t'Graphviz'
mermaid\t'Mermaid (`flowchart LR`), for Markdown docs'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from graph" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from graph" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from graph" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from graph" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from graph" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from graph" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from help" -f -a "new" -d 'Write a Pipeline.toml chaining the component projects of a directory'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check the graph, every node\'s own manifest, WIT and component, and show what the pipeline may do, node by node'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run the pipeline once on the embedded runtime and print its output'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from help" -f -a "graph" -d 'Print the pipeline\'s graph (text, DOT or Mermaid)'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand pipeline; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l listen -d 'Address to listen on' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l state -d 'State directory [default: $AIRSSYS_STATE_DIR or the user data dir]' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l policy -d 'Policy capping what deploys may ask for: a file, or `permissive` for no caps [default: the built-in policy: relative path grants only, no AIRSSYS_* variables, 512 MiB and 60 s per call]' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l max-concurrent-calls -d 'Calls that may execute guest code at once; more wait briefly, then get 503 [default: two per core, at least 4]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l max-body-bytes -d 'Largest request body for invoke and proxy routes, in bytes (proxy bodies stream to the component up to it)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster -d 'Share deployments, rollouts and the audit log with other hosts through this NATS JetStream server (comma-separate several servers of one NATS cluster) [default: none, this host keeps its state in --state]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster-user -d 'NATS user (with --cluster-password)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster-password -d 'NATS password' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster-token -d 'NATS token' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster-creds -d 'NATS credentials file (JWT and nkey seed)' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster-nkey -d 'NATS nkey seed' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster-tls-ca -d 'CA certificate (PEM) to trust for the NATS servers\' TLS' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster-tls-cert -d 'Client certificate (PEM) for mutual TLS (with --cluster-tls-key)' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster-tls-key -d 'Client key (PEM) for mutual TLS' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster-replicas -d 'Replicas of the cluster\'s buckets and streams (3 on a 3-node NATS cluster)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -l cluster-tls -d 'Require TLS to the NATS servers'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand serve" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand studio" -l listen -d 'Address to listen on (loopback by default)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand studio" -l state -d 'Keep the studio host\'s state here [default: a temporary directory, removed on exit]' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand studio" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand studio" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand studio" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand studio" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand studio" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand studio" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l manifest -d 'Manifest of a .wasm file' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l host -d 'Host URL [default: http://127.0.0.1:7878]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l token -d 'Admin token [default: read from the local state dir]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l state -d 'State directory of a local host, to read its admin.token' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l strategy -d 'immediate | blue-green | canary | rolling' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l weight -d 'Canary: percent of calls to the new version' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l sticky-header -d 'Canary: header whose value pins a caller to one version (A/B tests)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l max-error-rate -d 'Canary/rolling: abort automatically above this error rate (e.g. 0.05; rolling default 0.1)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l steps -d 'Rolling: weights to step through' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l interval -d 'Rolling: time between steps (e.g. 30s, 2m)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand deploy" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l strategy -d 'immediate | blue-green | canary | rolling' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l weight -d 'Canary: percent of calls to the new version' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l sticky-header -d 'Canary: header whose value pins a caller to one version (A/B tests)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l max-error-rate -d 'Canary/rolling: abort automatically above this error rate (e.g. 0.05; rolling default 0.1)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l steps -d 'Rolling: weights to step through' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l interval -d 'Rolling: time between steps (e.g. 30s, 2m)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l host -d 'Host URL [default: http://127.0.0.1:7878]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l token -d 'Admin token [default: read from the local state dir]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l state -d 'State directory of a local host, to read its admin.token' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l promote -d 'Make the canary the active version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -l abort -d 'Stop the canary'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand update" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand rollback" -l to-version -d 'Version to switch to [default: the previous one]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand rollback" -l host -d 'Host URL [default: http://127.0.0.1:7878]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand rollback" -l token -d 'Admin token [default: read from the local state dir]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand rollback" -l state -d 'State directory of a local host, to read its admin.token' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand rollback" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand rollback" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand rollback" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand rollback" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand rollback" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand undeploy" -l host -d 'Host URL [default: http://127.0.0.1:7878]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand undeploy" -l token -d 'Admin token [default: read from the local state dir]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand undeploy" -l state -d 'State directory of a local host, to read its admin.token' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand undeploy" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand undeploy" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand undeploy" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand undeploy" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand undeploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand undeploy" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand status" -l host -d 'Host URL [default: http://127.0.0.1:7878]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand status" -l token -d 'Admin token [default: read from the local state dir]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand status" -l state -d 'State directory of a local host, to read its admin.token' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand status" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand status" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand status" -l hosts -d 'List the cluster\'s hosts instead: what each serves, which one runs the rollouts (the controller) and how far behind each is'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand status" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand status" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand status" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand history" -l host -d 'Host URL [default: http://127.0.0.1:7878]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand history" -l token -d 'Admin token [default: read from the local state dir]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand history" -l state -d 'State directory of a local host, to read its admin.token' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand history" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand history" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand history" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand history" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand history" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -l component -d 'Only entries about this component' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -l limit -d 'Most entries to show' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -l host -d 'Host URL [default: http://127.0.0.1:7878]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -l token -d 'Admin token [default: read from the local state dir]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -l state -d 'State directory of a local host, to read its admin.token' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -l verify -d 'Check the hash chain and report the first broken link'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand audit" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -l interval -d 'Time between refreshes (and the measuring interval of --once)' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -l host -d 'Host URL [default: http://127.0.0.1:7878]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -l token -d 'Admin token [default: read from the local state dir]' -r
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -l state -d 'State directory of a local host, to read its admin.token' -r -F
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -l once -d 'Print one table and exit'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -l watch -d 'Refresh until Ctrl-C (the default on a terminal)'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand monitor" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand completions" -l color -d 'When to use colours' -r -f -a "auto\t'Colour when stderr is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand completions" -l format -d 'Output format of data-producing commands' -r -f -a "human\t'Text for people'
json\t'One JSON document on stdout, for scripts'"
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand completions" -s q -l quiet -d 'Print only errors and data'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand completions" -s v -l verbose -d 'Print more detail'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand completions" -s V -l version -d 'Print version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "init" -d 'Create a component project from a template'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "templates" -d 'List the project templates'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "validate" -d 'Check the manifest, the WIT and the built component against each other'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "build" -d 'Build the component and publish it to target/airssys/'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "test" -d 'Build if stale, then run the cases in tests/*.toml'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "run" -d 'Run a component once on the embedded runtime'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "pipeline" -d 'Compose components into a pipeline: new, validate, run, graph'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "serve" -d 'Run the deployment host'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "studio" -d 'Edit a directory\'s pipelines in the browser, on a throw-away local host'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "deploy" -d 'Upload an immutable version to a host (builds a project first)'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "update" -d 'Roll out an uploaded version, or promote/abort a canary'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "rollback" -d 'Switch back at once (to the previous version by default)'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "undeploy" -d 'Stop serving a component (versions and history are kept)'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "status" -d 'List the host\'s deployments'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "history" -d 'List a component\'s versions with who deployed them and when'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "audit" -d 'Show the audit log, or verify its hash chain'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "monitor" -d 'Live metrics per component and version'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and not __fish_seen_subcommand_from init templates validate build test run pipeline serve studio deploy update rollback undeploy status history audit monitor completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and __fish_seen_subcommand_from pipeline" -f -a "new" -d 'Write a Pipeline.toml chaining the component projects of a directory'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and __fish_seen_subcommand_from pipeline" -f -a "validate" -d 'Check the graph, every node\'s own manifest, WIT and component, and show what the pipeline may do, node by node'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and __fish_seen_subcommand_from pipeline" -f -a "run" -d 'Run the pipeline once on the embedded runtime and print its output'
complete -c airssys-wasm -n "__fish_airssys_wasm_using_subcommand help; and __fish_seen_subcommand_from pipeline" -f -a "graph" -d 'Print the pipeline\'s graph (text, DOT or Mermaid)'
