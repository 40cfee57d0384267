/**
 * Members' files for tests: the simulator's writers (firmware-sim/src/files), which use the encoders themselves
 * (Garmin's FIT SDK) and the formats' specifications for XML. No third-party sample file is committed.
 */
export * from '@pulseline/firmware-sim/files'

export const T0 = Date.UTC(2026, 10, 2, 7, 0, 0) // a morning class, 2 November 2026
