/** Small building blocks the other packages share and that belong to none of them. */
package io.promfed.util;
