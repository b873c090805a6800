// What is open and where it comes from. In studio (GET /workspace answers)
// pipelines are files of the workspace and Save writes them; on a plain host
// (404) they are deployed versions, read from /versions, and only Deploy
// stores them. Opening anything means: check its text as is (draft null) and
// edit the draft the server reads back from it.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, admin, getToken, onUnauthorized, setToken } from './api.js';
import { nameFromDir, newDraft } from './draft.js';
import { reportError, toast } from './toast.js';

/** `doc`: { key (the selector's value), file (workspace file or null), base (text saved) }. */
export function useSession({ history, adopt, fresh, onOpened }) {
  const [auth, setAuth] = useState({ needed: !getToken(), error: null });
  const [mode, setMode] = useState(null);
  const [workspace, setWorkspace] = useState(null);
  const [versions, setVersions] = useState([]);
  const [doc, setDoc] = useState(null);

  useEffect(() => onUnauthorized((message) => setAuth({ needed: true, error: message })), []);

  const importSource = useCallback(
    async ({ key, file, base }) => {
      try {
        const answer = await admin.check(base, null, file);
        history.reset(answer.draft || null);
        adopt(answer, answer.draft || null, base, file);
        setDoc({ key, file, base });
        onOpened();
        if (!answer.draft) toast(`${key} does not parse: see the checks`, { level: 'error' });
      } catch (err) {
        reportError(err, `opening ${key}`);
      }
    },
    [history, adopt, onOpened],
  );

  const openStudioFile = useCallback(
    (ws, file) => {
      const entry = ws.pipelines.find((p) => p.file === file);
      if (entry) return importSource({ key: file, file, base: entry.source });
      return undefined;
    },
    [importSource],
  );

  const openVersion = useCallback(
    async (key) => {
      const at = key.lastIndexOf('@');
      try {
        const v = await admin.version(key.slice(0, at), key.slice(at + 1));
        await importSource({ key, file: null, base: v.source || '' });
      } catch (err) {
        reportError(err, `opening ${key}`);
      }
    },
    [importSource],
  );

  // Loads the workspace (or the host's versions). After a re-authentication
  // the open document is kept; only the lists are refreshed.
  const load = useCallback(
    async (reopen) => {
      try {
        const { body } = await admin.workspace();
        setMode('studio');
        setWorkspace(body);
        const files = body.pipelines.map((p) => p.file);
        const first = files.includes('Pipeline.toml') ? 'Pipeline.toml' : files[0];
        if (reopen && first) await openStudioFile(body, first);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) return reportError(err, 'loading the workspace');
        try {
          const answer = await admin.versions();
          const list = answer.versions || [];
          setMode('plain');
          setVersions(list);
          const first = list.find((v) => v.kind === 'pipeline' && v.active) || list.find((v) => v.kind === 'pipeline');
          if (reopen && first) await openVersion(`${first.name}@${first.version}`);
        } catch (inner) {
          reportError(inner, 'loading the host\'s versions');
        }
      }
      return undefined;
    },
    [openStudioFile, openVersion],
  );

  const docRef = useRef(doc);
  docRef.current = doc;
  useEffect(() => {
    if (!auth.needed) load(!docRef.current);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [auth.needed]);

  const login = (token) => {
    setToken(token);
    setAuth({ needed: false, error: null });
  };

  const open = (key) => (mode === 'studio' ? openStudioFile(workspace, key) : openVersion(key));

  const create = (file) => {
    if (mode === 'studio') {
      if (workspace.pipelines.some((p) => p.file === file)) {
        toast(`${file} already exists: pick it in the list`, { level: 'error' });
        return;
      }
      const draft = newDraft(nameFromDir(workspace.root));
      history.reset(draft);
      adopt(null, null);
      setDoc({ key: file, file, base: '' });
    } else {
      history.reset(newDraft('new-pipeline'));
      adopt(null, null);
      setDoc({ key: '(new pipeline)', file: null, base: '' });
    }
    onOpened();
  };

  const save = async () => {
    if (mode !== 'studio' || !doc || !doc.file) return;
    const answer = await fresh();
    if (!answer || typeof answer.source !== 'string') return;
    try {
      await admin.saveWorkspacePipeline(doc.file, answer.source);
      setDoc((d) => ({ ...d, base: answer.source }));
      setWorkspace((ws) => ({
        ...ws,
        pipelines: [...ws.pipelines.filter((p) => p.file !== doc.file), { file: doc.file, source: answer.source }].sort((a, b) =>
          a.file.localeCompare(b.file),
        ),
      }));
      toast(`Saved ${doc.file}`);
    } catch (err) {
      reportError(err, `saving ${doc.file}`);
    }
  };

  const options =
    mode === 'studio'
      ? (workspace ? workspace.pipelines : []).map((p) => ({ value: p.file, label: p.file }))
      : versions
          .filter((v) => v.kind === 'pipeline')
          .map((v) => ({ value: `${v.name}@${v.version}`, label: `${v.name}@${v.version}${v.active ? ' (active)' : ''}` }));

  return { auth, login, mode, workspace, versions, doc, options, open, create, save };
}
