import { render } from 'preact';
import { effect } from '@preact/signals';
import { App } from './App';
import { startLive, stopLive } from './live';
import { session, startSession } from './session';
import './styles.css';

// The live stream runs while someone is signed in, with that caller's token.
let signedInAs: unknown = null;
effect(() => {
  const state = session.value;
  const who = state.kind === 'signedIn' ? state.caller : null;
  if (who === signedInAs) return;
  signedInAs = who;
  if (who) startLive();
  else stopLive();
});

render(<App />, document.getElementById('app')!);
void startSession();
