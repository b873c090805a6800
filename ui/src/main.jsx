// Entry point. The React Flow stylesheet is imported here (not injected at run
// time) so esbuild puts it into dist/app.css: the server's CSP allows only
// style-src 'self', so no <style> element may be created.
import '@xyflow/react/dist/style.css';
import './app.css';
import { createRoot } from 'react-dom/client';
import { ReactFlowProvider } from '@xyflow/react';
import App from './App.jsx';

createRoot(document.getElementById('root')).render(
  <ReactFlowProvider>
    <App />
  </ReactFlowProvider>,
);
