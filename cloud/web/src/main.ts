import { ApiError, get, hasSession, login, logout, setLoggedOutHandler } from './api.ts';
import { h } from './dom.ts';
import { alertasView, consumoView, previsaoView, statusView } from './views.ts';

const ROUTES: Record<string, () => Promise<HTMLElement>> = {
  '#/status': statusView,
  '#/consumo': consumoView,
  '#/alertas': alertasView,
  '#/previsao': previsaoView,
};

const view = document.getElementById('view')!;
const nav = document.getElementById('nav')!;

function showLogin(message?: string): void {
  nav.hidden = true;
  const user = h('input', {
    name: 'username',
    autocomplete: 'username',
    required: true,
    placeholder: 'usuário',
  });
  const pass = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    placeholder: 'senha',
  });
  const msg = h('p', { class: 'error', id: 'login-error' }, message ?? '');
  const form = h(
    'form',
    { class: 'login card', id: 'login' },
    h('h2', {}, 'Entrar'),
    user,
    pass,
    h('button', { type: 'submit' }, 'Entrar'),
    msg,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    try {
      await login(user.value, pass.value);
      if (!ROUTES[location.hash]) location.hash = '#/status';
      await render();
    } catch (err) {
      msg.textContent =
        err instanceof ApiError && err.status === 401
          ? 'Usuário ou senha inválidos.'
          : (err as Error).message;
    }
  });
  view.replaceChildren(form);
}

async function render(): Promise<void> {
  if (!hasSession()) return showLogin();
  nav.hidden = false;
  const route = ROUTES[location.hash] ?? statusView;
  for (const a of nav.querySelectorAll('a'))
    a.classList.toggle('active', a.getAttribute('href') === location.hash);
  view.replaceChildren(h('p', { class: 'muted' }, 'Carregando…'));
  try {
    const me = await get<{ username: string; role: string }>('/api/v1/auth/me');
    document.getElementById('who')!.textContent = `${me.username} (${me.role})`;
    view.replaceChildren(await route());
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return showLogin('Sessão expirada, entre de novo.');
    view.replaceChildren(h('p', { class: 'error' }, (err as Error).message));
  }
}

setLoggedOutHandler(() => showLogin('Sessão expirada, entre de novo.'));
document.getElementById('logout')!.addEventListener('click', async () => {
  await logout();
  showLogin();
});
window.addEventListener('hashchange', () => void render());
void render();
