const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const status = $('status');

// The page's heartbeat: count frames, spin, and remember the longest gap between frames during training.
let frames = 0;
let training = false;
let last = 0;
let maxGap = 0;
let framesWhileTraining = 0;
function tick(now) {
  frames++;
  if (training) {
    framesWhileTraining++;
    if (last) maxGap = Math.max(maxGap, now - last);
  }
  last = now;
  $('frames').textContent = String(frames);
  $('spinner').style.transform = `rotate(${(now / 3) % 360}deg)`;
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);

const params = new URLSearchParams(location.search);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onerror = (event) => fail(`worker error: ${event.message ?? 'could not load the worker module'}`);
worker.onmessage = ({ data }) => {
  if (data.type === 'progress') {
    if (!training) { training = true; last = 0; status.textContent = 'Training in the worker…'; }
    $('epoch').textContent = `${data.epoch} / ${data.epochs}`;
    $('loss').textContent = data.loss.toFixed(4);
    $('progress').value = data.epoch / data.epochs;
  } else if (data.type === 'done') {
    training = false;
    $('loss').textContent = data.loss.toFixed(4);
    $('accuracy').textContent = `${(data.accuracy * 100).toFixed(1)} %`;
    $('ms').textContent = data.ms.toFixed(0);
    $('max-gap').textContent = maxGap.toFixed(1);
    $('max-gap').dataset.framesWhileTraining = String(framesWhileTraining);
    status.innerHTML = `<span data-testid="done">Done</span> in ${data.ms.toFixed(0)} ms; the page drew ${framesWhileTraining} frames meanwhile.`;
    worker.terminate();
  } else if (data.type === 'error') {
    fail(data.message);
  }
};
worker.postMessage({ type: 'train', epochs: Number(params.get('epochs') ?? 400), hidden: 32, seed: 1 });

function fail(message) {
  training = false;
  status.className = 'status error';
  status.textContent = `Failed: ${message}`;
  console.error(message);
}
