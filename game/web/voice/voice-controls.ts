import type { Disposer, VoiceChat } from 'vehikill-net/client';
import { isTyping } from '../dom.js';
import { PAGE_KEYS } from '../input/key-bindings.js';
import { showBanner } from '../overlay/banner.js';
import { ui } from '../ui.js';

/**
 * Voice in a match, as the lobby page does it: everyone listens from the start; the Talk button opens
 * the microphone, then mutes and unmutes it. With push-to-talk on, the microphone is heard only while
 * V is held. Speaking marks go to `onSpeaking` (our own id for our microphone).
 */
export class VoiceControls {
  readonly #voice: VoiceChat;
  readonly #pushToTalk: () => boolean;
  readonly #disposers: Disposer[] = [];
  readonly speaking = new Set<string>();
  #state: 'off' | 'on' | 'muted' = 'off';

  constructor(voice: VoiceChat, pushToTalk: () => boolean, onSpeaking: () => void) {
    this.#voice = voice;
    this.#pushToTalk = pushToTalk;
    this.#disposers.push(
      voice.on('speaking', ({ peerId, speaking }) => {
        if (speaking) this.speaking.add(peerId);
        else this.speaking.delete(peerId);
        onSpeaking();
      }),
      voice.on('problem', ({ message }) => showBanner(message, 'warn', 6_000)),
      voice.on('microphone-lost', () => this.#microphoneLost()),
    );
    const onClick = () => void this.#toggle();
    const onKey = (event: KeyboardEvent) => {
      if (event.code !== PAGE_KEYS.talk || event.repeat) return;
      const down = event.type === 'keydown';
      // Typing a "v" into chat does not talk; but V let go there (held when Enter opened chat) ends it.
      if (down && isTyping(event.target)) return;
      if (this.#state !== 'off' && this.#pushToTalk()) voice.talk(down);
    };
    // A key-up that happens in another window or tab never reaches this one: stop talking on leaving.
    const stopTalking = () => {
      if (this.#state !== 'off' && this.#pushToTalk()) voice.talk(false);
    };
    const onVisibility = () => {
      if (document.hidden) stopTalking();
    };
    ui.voice.addEventListener('click', onClick);
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKey);
    window.addEventListener('blur', stopTalking);
    document.addEventListener('visibilitychange', onVisibility);
    this.#disposers.push(() => {
      ui.voice.removeEventListener('click', onClick);
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKey);
      window.removeEventListener('blur', stopTalking);
      document.removeEventListener('visibilitychange', onVisibility);
    });
    this.#render();
  }

  /** Follows the push-to-talk setting when it changes. */
  applySettings(): void {
    if (this.#state !== 'off') this.#voice.setPushToTalk(this.#pushToTalk());
    this.#render();
  }

  dispose(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
    this.#voice.close();
  }

  /** First press opens the microphone (a refusal is explained); later ones mute and unmute. */
  async #toggle(): Promise<void> {
    if (this.#state === 'off') {
      ui.voice.disabled = true;
      const result = await this.#voice.enableMicrophone();
      ui.voice.disabled = false;
      if (!result.ok) {
        showBanner(result.message, 'warn', 6_000);
        return;
      }
      this.#state = 'on';
      this.#voice.setPushToTalk(this.#pushToTalk());
    } else {
      const muting = this.#state === 'on';
      this.#voice.setMuted(muting);
      this.#state = muting ? 'muted' : 'on';
    }
    this.#render();
  }

  /**
   * The browser ended the microphone (unplugged, permission withdrawn, another app took it): back to
   * Talk. Unmuted and not talking, so that Talk opens it as the first press does, not muted or held open
   * by a V whose key-up came while it was off.
   */
  #microphoneLost(): void {
    this.#state = 'off';
    this.#voice.setMuted(false);
    this.#voice.talk(false);
    showBanner('Microphone stopped: press Talk to turn it on again.', 'warn', 6_000);
    this.#render();
  }

  #render(): void {
    const ptt = this.#pushToTalk();
    ui.voice.textContent =
      this.#state === 'off'
        ? 'Talk'
        : this.#state === 'muted'
          ? 'Unmute'
          : ptt
            ? 'Mute (hold V to talk)'
            : 'Mute';
    ui.voice.setAttribute('aria-pressed', String(this.#state === 'on'));
    ui.voice.dataset.state = this.#state;
    ui.voice.hidden = !this.#voice.supported;
  }
}
