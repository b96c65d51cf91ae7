import { useState } from 'preact/hooks';

/** Copies a value to the clipboard and says so; falls back to selecting it when the clipboard is refused. */
export function CopyButton(props: { value: string; label: string; targetId: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied('yes');
    } catch {
      const target = document.getElementById(props.targetId);
      if (target) window.getSelection()?.selectAllChildren(target);
      setCopied('no');
    }
  };
  return (
    <button type="button" class="secondary small" onClick={copy} aria-label={`Copy ${props.label}`}>
      {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Selected: press Ctrl-C' : 'Copy'}
    </button>
  );
}
