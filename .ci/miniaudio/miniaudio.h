/*
 * miniaudio.h: a stand-in for the miniaudio header that llama.cpp's
 * multimodal helper (tools/mtmd/mtmd-helper.cpp) includes.
 *
 * Go module zips drop vendor/ folders, so building ollama from the module
 * proxy misses the real header. llama.cpp uses miniaudio only to decode audio
 * input for audio-capable multimodal models, which the analyst tests never
 * load. This header declares just what that helper calls, and every decoder
 * fails: audio input is reported as unreadable instead of being decoded.
 *
 * Used only by .ci/build-ollama; never part of the analyst binary.
 */
#ifndef ANALYST_MINIAUDIO_STUB_H
#define ANALYST_MINIAUDIO_STUB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t ma_uint32;
typedef uint64_t ma_uint64;
typedef int ma_result;

#define MA_SUCCESS 0
#define MA_ERROR (-1)
#define MA_NOT_IMPLEMENTED (-29)

typedef enum {
    ma_format_unknown = 0,
    ma_format_u8 = 1,
    ma_format_s16 = 2,
    ma_format_s24 = 3,
    ma_format_s32 = 4,
    ma_format_f32 = 5
} ma_format;

typedef enum {
    ma_encoding_format_unknown = 0,
    ma_encoding_format_wav
} ma_encoding_format;

typedef struct {
    ma_format format;
    ma_uint32 channels;
    ma_uint32 sampleRate;
} ma_decoder_config;

typedef struct {
    ma_decoder_config config;
} ma_decoder;

/* Functions are static inline whatever MA_API says: the helper defines
 * MA_API as static, and unused statics would only add warnings. */

static inline ma_decoder_config ma_decoder_config_init(ma_format outputFormat, ma_uint32 outputChannels, ma_uint32 outputSampleRate)
{
    ma_decoder_config c;
    c.format = outputFormat;
    c.channels = outputChannels;
    c.sampleRate = outputSampleRate;
    return c;
}

static inline ma_result ma_decoder_init_memory(const void *pData, size_t dataSize, const ma_decoder_config *pConfig, ma_decoder *pDecoder)
{
    (void)pData;
    (void)dataSize;
    if (pDecoder != NULL && pConfig != NULL) {
        pDecoder->config = *pConfig;
    }
    return MA_NOT_IMPLEMENTED;
}

static inline ma_result ma_decoder_get_length_in_pcm_frames(ma_decoder *pDecoder, ma_uint64 *pLength)
{
    (void)pDecoder;
    if (pLength != NULL) {
        *pLength = 0;
    }
    return MA_NOT_IMPLEMENTED;
}

static inline ma_result ma_decoder_read_pcm_frames(ma_decoder *pDecoder, void *pFramesOut, ma_uint64 frameCount, ma_uint64 *pFramesRead)
{
    (void)pDecoder;
    (void)pFramesOut;
    (void)frameCount;
    if (pFramesRead != NULL) {
        *pFramesRead = 0;
    }
    return MA_NOT_IMPLEMENTED;
}

static inline ma_result ma_decoder_uninit(ma_decoder *pDecoder)
{
    (void)pDecoder;
    return MA_SUCCESS;
}

#ifdef __cplusplus
}
#endif

#endif /* ANALYST_MINIAUDIO_STUB_H */
