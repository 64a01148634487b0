"""nnet.layers: the Keras layer catalogue."""

from nnet.layers.activation import Activation
from nnet.layers.activity_regularization import ActivityRegularization
from nnet.layers.adaptive_average_pooling1d import AdaptiveAveragePooling1D
from nnet.layers.adaptive_average_pooling2d import AdaptiveAveragePooling2D
from nnet.layers.adaptive_average_pooling3d import AdaptiveAveragePooling3D
from nnet.layers.adaptive_max_pooling1d import AdaptiveMaxPooling1D
from nnet.layers.adaptive_max_pooling2d import AdaptiveMaxPooling2D
from nnet.layers.adaptive_max_pooling3d import AdaptiveMaxPooling3D
from nnet.layers.add import Add, add
from nnet.layers.additive_attention import AdditiveAttention
from nnet.layers.alpha_dropout import AlphaDropout
from nnet.layers.attention import Attention
from nnet.layers.aug_mix import AugMix
from nnet.layers.auto_contrast import AutoContrast
from nnet.layers.average import Average, average
from nnet.layers.average_pooling1d import AveragePooling1D, AvgPool1D
from nnet.layers.average_pooling2d import AveragePooling2D, AvgPool2D
from nnet.layers.average_pooling3d import AveragePooling3D, AvgPool3D
from nnet.layers.batch_normalization import BatchNormalization
from nnet.layers.bidirectional import Bidirectional
from nnet.layers.category_encoding import CategoryEncoding
from nnet.layers.center_crop import CenterCrop
from nnet.layers.concatenate import Concatenate, concatenate
from nnet.layers.contrast_limited_adaptive_histogram_equalization import (
    ContrastLimitedAdaptiveHistogramEqualization,
)
from nnet.layers.conv1d import Conv1D, Convolution1D
from nnet.layers.conv1d_transpose import Conv1DTranspose, Convolution1DTranspose
from nnet.layers.conv2d import Conv2D, Convolution2D
from nnet.layers.conv2d_transpose import Conv2DTranspose, Convolution2DTranspose
from nnet.layers.conv3d import Conv3D, Convolution3D
from nnet.layers.conv3d_transpose import Conv3DTranspose, Convolution3DTranspose
from nnet.layers.conv_lstm1d import ConvLSTM1D
from nnet.layers.conv_lstm2d import ConvLSTM2D
from nnet.layers.conv_lstm3d import ConvLSTM3D
from nnet.layers.cropping1d import Cropping1D
from nnet.layers.cropping2d import Cropping2D
from nnet.layers.cropping3d import Cropping3D
from nnet.layers.cut_mix import CutMix
from nnet.layers.dense import Dense
from nnet.layers.depthwise_conv1d import DepthwiseConv1D
from nnet.layers.depthwise_conv2d import DepthwiseConv2D
from nnet.layers.discretization import Discretization
from nnet.layers.dot import Dot, dot
from nnet.layers.dropout import Dropout
from nnet.layers.einsum_dense import EinsumDense
from nnet.layers.elu import ELU
from nnet.layers.embedding import Embedding
from nnet.layers.equalization import Equalization
from nnet.layers.flatten import Flatten
from nnet.layers.gaussian_dropout import GaussianDropout
from nnet.layers.gaussian_noise import GaussianNoise
from nnet.layers.global_average_pooling1d import GlobalAveragePooling1D, GlobalAvgPool1D
from nnet.layers.global_average_pooling2d import GlobalAveragePooling2D, GlobalAvgPool2D
from nnet.layers.global_average_pooling3d import GlobalAveragePooling3D, GlobalAvgPool3D
from nnet.layers.global_max_pooling1d import GlobalMaxPool1D, GlobalMaxPooling1D
from nnet.layers.global_max_pooling2d import GlobalMaxPool2D, GlobalMaxPooling2D
from nnet.layers.global_max_pooling3d import GlobalMaxPool3D, GlobalMaxPooling3D
from nnet.layers.group_normalization import GroupNormalization
from nnet.layers.grouped_query_attention import GroupedQueryAttention, GroupQueryAttention
from nnet.layers.gru import GRU
from nnet.layers.gru_cell import GRUCell
from nnet.layers.hashed_crossing import HashedCrossing
from nnet.layers.hashing import Hashing
from nnet.layers.identity import Identity
from nnet.layers.input_layer import Input, InputLayer
from nnet.layers.input_spec import InputSpec
from nnet.layers.integer_lookup import IntegerLookup
from nnet.layers.lambda_layer import Lambda
from nnet.layers.layer import LAYERS, Layer
from nnet.layers.layer_normalization import LayerNormalization
from nnet.layers.leaky_re_lu import LeakyReLU
from nnet.layers.lstm import LSTM
from nnet.layers.lstm_cell import LSTMCell
from nnet.layers.masking import Masking
from nnet.layers.max_pooling1d import MaxPool1D, MaxPooling1D
from nnet.layers.max_pooling2d import MaxPool2D, MaxPooling2D
from nnet.layers.max_pooling3d import MaxPool3D, MaxPooling3D
from nnet.layers.maximum import Maximum, maximum
from nnet.layers.minimum import Minimum, minimum
from nnet.layers.mix_up import MixUp
from nnet.layers.multi_head_attention import MultiHeadAttention
from nnet.layers.multiply import Multiply, multiply
from nnet.layers.normalization import Normalization
from nnet.layers.p_re_lu import PReLU
from nnet.layers.permute import Permute
from nnet.layers.rand_augment import RandAugment
from nnet.layers.random_brightness import RandomBrightness
from nnet.layers.random_color_degeneration import RandomColorDegeneration
from nnet.layers.random_color_jitter import RandomColorJitter
from nnet.layers.random_contrast import RandomContrast
from nnet.layers.random_crop import RandomCrop
from nnet.layers.random_elastic_transform import RandomElasticTransform
from nnet.layers.random_erasing import RandomErasing
from nnet.layers.random_flip import RandomFlip
from nnet.layers.random_gaussian_blur import RandomGaussianBlur
from nnet.layers.random_grayscale import RandomGrayscale
from nnet.layers.random_hue import RandomHue
from nnet.layers.random_invert import RandomInvert
from nnet.layers.random_perspective import RandomPerspective
from nnet.layers.random_posterization import RandomPosterization
from nnet.layers.random_rotation import RandomRotation
from nnet.layers.random_saturation import RandomSaturation
from nnet.layers.random_sharpness import RandomSharpness
from nnet.layers.random_shear import RandomShear
from nnet.layers.random_translation import RandomTranslation
from nnet.layers.random_zoom import RandomZoom
from nnet.layers.re_lu import ReLU
from nnet.layers.repeat_vector import RepeatVector
from nnet.layers.rescaling import Rescaling
from nnet.layers.reshape import Reshape
from nnet.layers.resizing import Resizing
from nnet.layers.reversible_embedding import ReversibleEmbedding
from nnet.layers.rms_normalization import RMSNormalization
from nnet.layers.rnn import RNN
from nnet.layers.separable_conv1d import SeparableConv1D, SeparableConvolution1D
from nnet.layers.separable_conv2d import SeparableConv2D, SeparableConvolution2D
from nnet.layers.simple_rnn import SimpleRNN
from nnet.layers.simple_rnn_cell import SimpleRNNCell
from nnet.layers.softmax import Softmax
from nnet.layers.solarization import Solarization
from nnet.layers.spatial_dropout1d import SpatialDropout1D
from nnet.layers.spatial_dropout2d import SpatialDropout2D
from nnet.layers.spatial_dropout3d import SpatialDropout3D
from nnet.layers.spectral_normalization import SpectralNormalization
from nnet.layers.stacked_rnn_cells import StackedRNNCells
from nnet.layers.string_lookup import StringLookup
from nnet.layers.subtract import Subtract, subtract
from nnet.layers.text_vectorization import TextVectorization
from nnet.layers.time_distributed import TimeDistributed
from nnet.layers.unit_normalization import UnitNormalization
from nnet.layers.up_sampling1d import UpSampling1D
from nnet.layers.up_sampling2d import UpSampling2D
from nnet.layers.up_sampling3d import UpSampling3D
from nnet.layers.wrapper import Wrapper
from nnet.layers.zero_padding1d import ZeroPadding1D
from nnet.layers.zero_padding2d import ZeroPadding2D
from nnet.layers.zero_padding3d import ZeroPadding3D
from nnet.utils.registry import serialize_object


def deserialize(config, custom_objects=None):
    """Build a layer from ``{"class_name": ..., "config": {...}}`` (Keras's layer JSON).

    Every built-in layer, and the model classes (nested models), are found by class name.

    Args:
        config: the layer's config dict, as `serialize` writes it.
        custom_objects: optional ``{name: class}`` for layers defined outside nnet.

    Example:
        >>> deserialize({"class_name": "Dense", "config": {"units": 3}}).units
        3
    """
    return LAYERS.deserialize(config, custom_objects)


def serialize(layer):
    """A layer's Keras JSON: ``{"module", "class_name", "config", "registered_name"}``.

    Example:
        >>> serialize(Dense(3))["class_name"]
        'Dense'
    """
    return serialize_object(layer)
