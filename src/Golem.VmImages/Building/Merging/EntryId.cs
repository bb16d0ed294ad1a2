namespace Golem.VmImages.Building.Merging;

/// <summary>Identifies a layer entry by its layer and its position in that layer, the same in both reading passes.</summary>
internal static class EntryId
{
    public static long Of(int layer, int ordinal) => ((long)layer << 32) | (uint)ordinal;

    public static int Layer(long id) => (int)(id >> 32);
}
