import {
  createDOMRenderer,
  FluentProvider,
  RendererProvider,
  webLightTheme,
} from '@fluentui/react-components';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import './global.css';

// Griffel writes <style> tags at run time; under our CSP they need the nonce main put in the page.
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';
const renderer = createDOMRenderer(document, { styleElementAttributes: nonce ? { nonce } : {} });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RendererProvider renderer={renderer} targetDocument={document}>
      <FluentProvider theme={webLightTheme} style={{ height: '100%' }}>
        <App />
      </FluentProvider>
    </RendererProvider>
  </StrictMode>,
);
