/**
 * TensorFlow.js, on the best backend this machine has. tfjs-node (native libtensorflow) is used only if it
 * is already installed: its install script downloads a binary, which fails offline. Otherwise the wasm
 * backend, whose .wasm ships inside the npm package (ARCHITECTURE.md: about twice the plain CPU backend).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as tfl from '@tensorflow/tfjs-layers'

export interface Tf {
  tf: typeof tf
  tfl: typeof tfl
  backend: string
}

let loaded: Promise<Tf> | undefined

export function loadTf(preferred?: 'wasm' | 'cpu'): Promise<Tf> {
  loaded ??= (async () => {
    if (preferred === undefined) {
      try {
        await import('@tensorflow/tfjs-node' as string)
        if (await tf.setBackend('tensorflow')) return { tf, tfl, backend: 'tensorflow' }
      } catch {
        // not installed: fall through to wasm
      }
    }
    if (preferred === 'cpu') await import('@tensorflow/tfjs-backend-cpu')
    else await import('@tensorflow/tfjs-backend-wasm')
    await tf.setBackend(preferred ?? 'wasm')
    await tf.ready()
    return { tf, tfl, backend: tf.getBackend() }
  })()
  return loaded
}
