
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'airssys-wasm' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'airssys-wasm'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'airssys-wasm' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a component project from a template')
            [CompletionResult]::new('templates', 'templates', [CompletionResultType]::ParameterValue, 'List the project templates')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the manifest, the WIT and the built component against each other')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build the component and publish it to target/airssys/')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Build if stale, then run the cases in tests/*.toml')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a component once on the embedded runtime')
            [CompletionResult]::new('pipeline', 'pipeline', [CompletionResultType]::ParameterValue, 'Compose components into a pipeline: new, validate, run, graph')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the deployment host')
            [CompletionResult]::new('studio', 'studio', [CompletionResultType]::ParameterValue, 'Edit a directory''s pipelines in the browser, on a throw-away local host')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Upload an immutable version to a host (builds a project first)')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Roll out an uploaded version, or promote/abort a canary')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Switch back at once (to the previous version by default)')
            [CompletionResult]::new('undeploy', 'undeploy', [CompletionResultType]::ParameterValue, 'Stop serving a component (versions and history are kept)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List the host''s deployments')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List a component''s versions with who deployed them and when')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit log, or verify its hash chain')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Live metrics per component and version')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'airssys-wasm;init' {
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Source language (picks its template)')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'Template name (see `airssys-wasm templates`); overrides --lang')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Directory to create [default: ./<name>]')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'One-line description of the component')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Accept defaults without prompting')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Accept defaults without prompting')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;templates' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;validate' {
            [CompletionResult]::new('--wasm', '--wasm', [CompletionResultType]::ParameterName, 'Check this component instead of the project''s built artifact')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;build' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Build with the debug profile instead of release')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;test' {
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'Run only the cases whose name (`file::case`) contains this text')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;run' {
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest governing a .wasm file (default: no permissions)')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Input data (of `execute`, or of a pipeline''s entry nodes), as a string')
            [CompletionResult]::new('--input-file', '--input-file', [CompletionResultType]::ParameterName, 'Input data, read from a file (`-` for stdin)')
            [CompletionResult]::new('--meta', '--meta', [CompletionResultType]::ParameterName, 'Input metadata, repeatable')
            [CompletionResult]::new('--with', '--with', [CompletionResultType]::ParameterName, 'Load another component for `messaging` (project dir or .wasm), repeatable')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Serve over HTTP on this address instead of running once (e.g. 127.0.0.1:7070)')
            [CompletionResult]::new('--max-memory', '--max-memory', [CompletionResultType]::ParameterName, 'Memory cap per instance, e.g. 64MiB or 1GiB (default: the manifest''s, or none for a command)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Wall-clock limit per call (or for the whole program), e.g. 2s or 500ms')
            [CompletionResult]::new('--fuel', '--fuel', [CompletionResultType]::ParameterName, 'Instruction budget per call (or for the whole program)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('--hot-reload', '--hot-reload', [CompletionResultType]::ParameterName, 'With --listen: rebuild and swap in place when the sources (or the .wasm) change')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;pipeline' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a Pipeline.toml chaining the component projects of a directory')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the graph, every node''s own manifest, WIT and component, and show what the pipeline may do, node by node')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the pipeline once on the embedded runtime and print its output')
            [CompletionResult]::new('graph', 'graph', [CompletionResultType]::ParameterValue, 'Print the pipeline''s graph (text, DOT or Mermaid)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'airssys-wasm;pipeline;new' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The pipeline''s name (default: the directory''s name)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;pipeline;validate' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;pipeline;run' {
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Input data (of `execute`, or of a pipeline''s entry nodes), as a string')
            [CompletionResult]::new('--input-file', '--input-file', [CompletionResultType]::ParameterName, 'Input data, read from a file (`-` for stdin)')
            [CompletionResult]::new('--meta', '--meta', [CompletionResultType]::ParameterName, 'Input metadata, repeatable')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Serve over HTTP on this address instead of running once (POST /v1/pipelines/<name>/invoke)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('--trace', '--trace', [CompletionResultType]::ParameterName, 'Print each node''s timing, attempts, result and compensation as a tree')
            [CompletionResult]::new('--hot-reload', '--hot-reload', [CompletionResultType]::ParameterName, 'With --listen: reload when the pipeline file or any node''s sources change')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;pipeline;graph' {
            [CompletionResult]::new('--style', '--style', [CompletionResultType]::ParameterName, 'How to draw it')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;pipeline;help' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a Pipeline.toml chaining the component projects of a directory')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the graph, every node''s own manifest, WIT and component, and show what the pipeline may do, node by node')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the pipeline once on the embedded runtime and print its output')
            [CompletionResult]::new('graph', 'graph', [CompletionResultType]::ParameterValue, 'Print the pipeline''s graph (text, DOT or Mermaid)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'airssys-wasm;pipeline;help;new' {
            break
        }
        'airssys-wasm;pipeline;help;validate' {
            break
        }
        'airssys-wasm;pipeline;help;run' {
            break
        }
        'airssys-wasm;pipeline;help;graph' {
            break
        }
        'airssys-wasm;pipeline;help;help' {
            break
        }
        'airssys-wasm;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State directory [default: $AIRSSYS_STATE_DIR or the user data dir]')
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy capping what deploys may ask for: a file, or `permissive` for no caps [default: the built-in policy: relative path grants only, no AIRSSYS_* variables, 512 MiB and 60 s per call]')
            [CompletionResult]::new('--max-concurrent-calls', '--max-concurrent-calls', [CompletionResultType]::ParameterName, 'Calls that may execute guest code at once; more wait briefly, then get 503 [default: two per core, at least 4]')
            [CompletionResult]::new('--max-body-bytes', '--max-body-bytes', [CompletionResultType]::ParameterName, 'Largest request body for invoke and proxy routes, in bytes (proxy bodies stream to the component up to it)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Share deployments, rollouts and the audit log with other hosts through this NATS JetStream server (comma-separate several servers of one NATS cluster) [default: none, this host keeps its state in --state]')
            [CompletionResult]::new('--cluster-user', '--cluster-user', [CompletionResultType]::ParameterName, 'NATS user (with --cluster-password)')
            [CompletionResult]::new('--cluster-password', '--cluster-password', [CompletionResultType]::ParameterName, 'NATS password')
            [CompletionResult]::new('--cluster-token', '--cluster-token', [CompletionResultType]::ParameterName, 'NATS token')
            [CompletionResult]::new('--cluster-creds', '--cluster-creds', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and nkey seed)')
            [CompletionResult]::new('--cluster-nkey', '--cluster-nkey', [CompletionResultType]::ParameterName, 'NATS nkey seed')
            [CompletionResult]::new('--cluster-tls-ca', '--cluster-tls-ca', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to trust for the NATS servers'' TLS')
            [CompletionResult]::new('--cluster-tls-cert', '--cluster-tls-cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS (with --cluster-tls-key)')
            [CompletionResult]::new('--cluster-tls-key', '--cluster-tls-key', [CompletionResultType]::ParameterName, 'Client key (PEM) for mutual TLS')
            [CompletionResult]::new('--cluster-replicas', '--cluster-replicas', [CompletionResultType]::ParameterName, 'Replicas of the cluster''s buckets and streams (3 on a 3-node NATS cluster)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('--cluster-tls', '--cluster-tls', [CompletionResultType]::ParameterName, 'Require TLS to the NATS servers')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;studio' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on (loopback by default)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Keep the studio host''s state here [default: a temporary directory, removed on exit]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;deploy' {
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest of a .wasm file')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host URL [default: http://127.0.0.1:7878]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Admin token [default: read from the local state dir]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State directory of a local host, to read its admin.token')
            [CompletionResult]::new('--strategy', '--strategy', [CompletionResultType]::ParameterName, 'immediate | blue-green | canary | rolling')
            [CompletionResult]::new('--weight', '--weight', [CompletionResultType]::ParameterName, 'Canary: percent of calls to the new version')
            [CompletionResult]::new('--sticky-header', '--sticky-header', [CompletionResultType]::ParameterName, 'Canary: header whose value pins a caller to one version (A/B tests)')
            [CompletionResult]::new('--max-error-rate', '--max-error-rate', [CompletionResultType]::ParameterName, 'Canary/rolling: abort automatically above this error rate (e.g. 0.05; rolling default 0.1)')
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'Rolling: weights to step through')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Rolling: time between steps (e.g. 30s, 2m)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;update' {
            [CompletionResult]::new('--strategy', '--strategy', [CompletionResultType]::ParameterName, 'immediate | blue-green | canary | rolling')
            [CompletionResult]::new('--weight', '--weight', [CompletionResultType]::ParameterName, 'Canary: percent of calls to the new version')
            [CompletionResult]::new('--sticky-header', '--sticky-header', [CompletionResultType]::ParameterName, 'Canary: header whose value pins a caller to one version (A/B tests)')
            [CompletionResult]::new('--max-error-rate', '--max-error-rate', [CompletionResultType]::ParameterName, 'Canary/rolling: abort automatically above this error rate (e.g. 0.05; rolling default 0.1)')
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'Rolling: weights to step through')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Rolling: time between steps (e.g. 30s, 2m)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host URL [default: http://127.0.0.1:7878]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Admin token [default: read from the local state dir]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State directory of a local host, to read its admin.token')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('--promote', '--promote', [CompletionResultType]::ParameterName, 'Make the canary the active version')
            [CompletionResult]::new('--abort', '--abort', [CompletionResultType]::ParameterName, 'Stop the canary')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;rollback' {
            [CompletionResult]::new('--to-version', '--to-version', [CompletionResultType]::ParameterName, 'Version to switch to [default: the previous one]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host URL [default: http://127.0.0.1:7878]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Admin token [default: read from the local state dir]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State directory of a local host, to read its admin.token')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;undeploy' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host URL [default: http://127.0.0.1:7878]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Admin token [default: read from the local state dir]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State directory of a local host, to read its admin.token')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;status' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host URL [default: http://127.0.0.1:7878]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Admin token [default: read from the local state dir]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State directory of a local host, to read its admin.token')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('--hosts', '--hosts', [CompletionResultType]::ParameterName, 'List the cluster''s hosts instead: what each serves, which one runs the rollouts (the controller) and how far behind each is')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;history' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host URL [default: http://127.0.0.1:7878]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Admin token [default: read from the local state dir]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State directory of a local host, to read its admin.token')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;audit' {
            [CompletionResult]::new('--component', '--component', [CompletionResultType]::ParameterName, 'Only entries about this component')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Most entries to show')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host URL [default: http://127.0.0.1:7878]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Admin token [default: read from the local state dir]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State directory of a local host, to read its admin.token')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check the hash chain and report the first broken link')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;monitor' {
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between refreshes (and the measuring interval of --once)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host URL [default: http://127.0.0.1:7878]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Admin token [default: read from the local state dir]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State directory of a local host, to read its admin.token')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Print one table and exit')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Refresh until Ctrl-C (the default on a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of data-producing commands')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and data')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'airssys-wasm;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a component project from a template')
            [CompletionResult]::new('templates', 'templates', [CompletionResultType]::ParameterValue, 'List the project templates')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the manifest, the WIT and the built component against each other')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build the component and publish it to target/airssys/')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Build if stale, then run the cases in tests/*.toml')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a component once on the embedded runtime')
            [CompletionResult]::new('pipeline', 'pipeline', [CompletionResultType]::ParameterValue, 'Compose components into a pipeline: new, validate, run, graph')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the deployment host')
            [CompletionResult]::new('studio', 'studio', [CompletionResultType]::ParameterValue, 'Edit a directory''s pipelines in the browser, on a throw-away local host')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Upload an immutable version to a host (builds a project first)')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Roll out an uploaded version, or promote/abort a canary')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Switch back at once (to the previous version by default)')
            [CompletionResult]::new('undeploy', 'undeploy', [CompletionResultType]::ParameterValue, 'Stop serving a component (versions and history are kept)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List the host''s deployments')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List a component''s versions with who deployed them and when')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit log, or verify its hash chain')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Live metrics per component and version')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'airssys-wasm;help;init' {
            break
        }
        'airssys-wasm;help;templates' {
            break
        }
        'airssys-wasm;help;validate' {
            break
        }
        'airssys-wasm;help;build' {
            break
        }
        'airssys-wasm;help;test' {
            break
        }
        'airssys-wasm;help;run' {
            break
        }
        'airssys-wasm;help;pipeline' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Write a Pipeline.toml chaining the component projects of a directory')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the graph, every node''s own manifest, WIT and component, and show what the pipeline may do, node by node')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the pipeline once on the embedded runtime and print its output')
            [CompletionResult]::new('graph', 'graph', [CompletionResultType]::ParameterValue, 'Print the pipeline''s graph (text, DOT or Mermaid)')
            break
        }
        'airssys-wasm;help;pipeline;new' {
            break
        }
        'airssys-wasm;help;pipeline;validate' {
            break
        }
        'airssys-wasm;help;pipeline;run' {
            break
        }
        'airssys-wasm;help;pipeline;graph' {
            break
        }
        'airssys-wasm;help;serve' {
            break
        }
        'airssys-wasm;help;studio' {
            break
        }
        'airssys-wasm;help;deploy' {
            break
        }
        'airssys-wasm;help;update' {
            break
        }
        'airssys-wasm;help;rollback' {
            break
        }
        'airssys-wasm;help;undeploy' {
            break
        }
        'airssys-wasm;help;status' {
            break
        }
        'airssys-wasm;help;history' {
            break
        }
        'airssys-wasm;help;audit' {
            break
        }
        'airssys-wasm;help;monitor' {
            break
        }
        'airssys-wasm;help;completions' {
            break
        }
        'airssys-wasm;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
