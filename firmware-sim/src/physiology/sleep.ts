/**
 * A night's hypnogram in 30-second epochs (the AASM scoring epoch). Sleep runs in cycles of about
 * 90 minutes (range 80–110); deep sleep dominates the first cycles and REM lengthens towards morning,
 * the pattern of healthy adult sleep (Carskadon & Dement, "Normal human sleep: an overview", in
 * Principles and Practice of Sleep Medicine). Sleep onset latency 5–25 min; brief awakenings late.
 */
import type { SleepStage } from '@pulseline/protocol'
import type { Random } from '../random.js'

export const EPOCH_S = 30

export interface Night {
  /** One stage per 30 s epoch, from lights out. */
  epochs: SleepStage[]
  cycleLengthsMin: number[]
}

export function simulateNight(random: Random, hoursInBed = 8): Night {
  const epochs: SleepStage[] = []
  const push = (stage: SleepStage, minutes: number) => {
    for (let i = 0; i < Math.round((minutes * 60) / EPOCH_S); i++) epochs.push(stage)
  }
  push('awake', random.uniform(5, 25))
  const totalEpochs = Math.round((hoursInBed * 3600) / EPOCH_S) // whole epochs, whatever the hours
  const cycleLengthsMin: number[] = []
  for (let cycle = 0; epochs.length < totalEpochs; cycle++) {
    const length = random.uniform(80, 110)
    cycleLengthsMin.push(length)
    const deep = Math.max(0, (35 - cycle * 10) * random.uniform(0.7, 1.2))
    const rem = Math.min(40, (8 + cycle * 7) * random.uniform(0.8, 1.2))
    const wake = cycle >= 2 && random.next() < 0.5 ? random.uniform(1, 4) : 0
    const light = Math.max(10, length - deep - rem - wake)
    push('light', light * 0.6)
    push('deep', deep)
    push('light', light * 0.4)
    push('rem', rem)
    push('awake', wake)
  }
  epochs.length = totalEpochs
  return { epochs, cycleLengthsMin }
}
