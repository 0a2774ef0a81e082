import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { initialTheme, useAppStore } from './stores/appStore';
import './styles.css';

// Theme before the first paint (no inline script is allowed by the CSP).
const theme = initialTheme();
document.documentElement.dataset.theme = theme;
useAppStore.setState({ theme });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
