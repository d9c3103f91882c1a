namespace FfmpegApi.Media.Capabilities;

/// <summary>
/// Which of the installed ffmpeg's demuxers an input may use: every one the build has, minus a reviewed deny list of
/// demuxers that read something other than the one file they are given (playlists and manifests, scripts, image
/// sequences by pattern, filtergraph sources, network sessions, capture devices). The protocol whitelist alone is no
/// sandbox: an HLS playlist inside a mount would make ffmpeg open any file its lines name through the allowed
/// <c>file</c> protocol. docs/media.md explains each entry; a test proves each one is refused.
/// </summary>
public static class DemuxerPolicy
{
    private const string Device = "a capture device or sound server of the machine, not a file";
    private const string Network = "a network session: it opens sockets and the URLs it is given";

    /// <summary>Demuxers an input may never use, with the reason. Names absent from a build are harmless here.</summary>
    // Stryker disable all : a reviewed table, pinned by DemuxerPolicyTests and the docs table
    public static IReadOnlyDictionary<string, string> Denied { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hls"] = "a playlist (.m3u8): ffmpeg would open every file and URL its lines name",
        ["dash"] = "a manifest (.mpd): ffmpeg would open the segments and URLs it names",
        ["concat"] = "a concat script (ffconcat): it opens the files it lists",
        ["imf"] = "an IMF composition (CPL): it opens the asset map and the track files it references",
        ["dvdvideo"] = "a DVD structure: it opens the VIDEO_TS files beside the one given",
        ["vobsub"] = "a VobSub index (.idx): it opens the .sub file beside it",
        ["mlv"] = "a Magic Lantern clip: it opens the sibling chunk files (.M00, .M01, …) beside the one given",
        ["image2"] = "an image sequence by pattern or glob (a name with % * ? [ ] { }): it reads every file the name matches",
        ["lavfi"] = "a filtergraph source: its movie/amovie filters open any file or URL",
        ["avisynth"] = "a script that runs code on the machine",
        ["vapoursynth"] = "a script that runs code on the machine",
        ["sdp"] = "a session description: it opens the RTP network streams it describes",
        ["rtp"] = Network,
        ["rtsp"] = Network,
        ["sap"] = Network,
        ["alsa"] = Device,
        ["android_camera"] = Device,
        ["avfoundation"] = Device,
        ["decklink"] = Device,
        ["dshow"] = Device,
        ["fbdev"] = Device,
        ["gdigrab"] = Device,
        ["iec61883"] = Device,
        ["jack"] = Device,
        ["kmsgrab"] = Device,
        ["libcdio"] = Device,
        ["libdc1394"] = Device,
        ["openal"] = Device,
        ["oss"] = Device,
        ["pulse"] = Device,
        ["sndio"] = Device,
        ["vfwcap"] = Device,
        ["video4linux2"] = Device,
        ["v4l2"] = Device,
        ["x11grab"] = Device,
    };

    /// <summary>
    /// The inputs' whitelist when the build's list is unknown (ffmpeg did not answer): self-contained containers only.
    /// Argv rendered without a machine (golden files) uses it too.
    /// </summary>
    // Stryker restore all
    public const string Fallback =
        "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,asf,mxf,ogg,mp3,wav,flac,aac,ac3,eac3,aiff,caf,w64,wv,amr,au,"
        + "h264,hevc,ivf,yuv4mpegpipe,gif,png_pipe,jpeg_pipe,webp_pipe,bmp_pipe";

    /// <summary>
    /// The build's demuxers an input may use: all of <paramref name="demuxers"/> except the deny list and any
    /// the build lists as a device (so a device this table does not name is refused too). Sorted, distinct.
    /// </summary>
    public static IReadOnlyList<string> Allowed(IEnumerable<string> demuxers, IEnumerable<string> devices)
    {
        var deviceNames = devices.ToHashSet(StringComparer.Ordinal);
        return [.. demuxers.Where(d => !Denied.ContainsKey(d) && !deviceNames.Contains(d)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The whitelist for one input file: <paramref name="whitelist"/>, plus <c>image2</c> when the file's name has no
    /// pattern or glob character. image2 then reads exactly that one image (ffmpeg detects many single JPEG and PNG
    /// files as image2, by their extension), and a name that could expand to other files is still refused.
    /// </summary>
    public static string ForFile(string whitelist, string path) =>
        path.AsSpan().IndexOfAny(PatternCharacters) < 0 && !whitelist.Split(',').Contains("image2", StringComparer.Ordinal)
            ? whitelist + ",image2"
            : whitelist;

    private static readonly System.Buffers.SearchValues<char> PatternCharacters = System.Buffers.SearchValues.Create("%*?[]{}");

    /// <summary>Why <paramref name="demuxer"/> is refused (a device of the build, or an entry of the deny list).</summary>
    /// <remarks>A demuxer with several names (<c>video4linux2,v4l2</c>) is refused for the first of them that is.</remarks>
    public static string Reason(string demuxer, IEnumerable<string> devices)
    {
        var deviceNames = devices.ToHashSet(StringComparer.Ordinal);
        foreach (var name in demuxer.Split(','))
        {
            if (Denied.TryGetValue(name, out var reason))
            {
                return reason;
            }

            if (deviceNames.Contains(name))
            {
                return Device;
            }
        }

        return "it is not among this server's input formats (GET /api/v1/capabilities lists them)";
    }
}
