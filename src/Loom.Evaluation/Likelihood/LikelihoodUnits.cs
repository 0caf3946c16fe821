namespace Loom.Evaluation.Likelihood;

/// <summary>
/// Conversions between the units likelihoods are reported in. Models compute natural logarithms (nats); image
/// results are quoted in bits per dimension (per colour value), so that numbers compare across image sizes.
/// </summary>
public static class LikelihoodUnits
{
    /// <summary>ln 2: nats in one bit.</summary>
    public const double NatsPerBit = 0.69314718055994530942;

    public static double NatsToBits(double nats) => nats / NatsPerBit;

    public static double BitsToNats(double bits) => bits * NatsPerBit;

    /// <summary>Bits per dimension of an image whose negative log-likelihood is <paramref name="nats"/> over <paramref name="dimensions"/> values.</summary>
    public static double NatsToBitsPerDim(double nats, long dimensions) => NatsToBits(nats) / dimensions;

    /// <summary>The total negative log-likelihood in nats of an image of <paramref name="dimensions"/> values at <paramref name="bitsPerDim"/>.</summary>
    public static double BitsPerDimToNats(double bitsPerDim, long dimensions) => BitsToNats(bitsPerDim) * dimensions;
}
